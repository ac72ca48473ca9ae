"""Security tests: who may do what, forged buttons, hostile text and files, floods, secrets."""
