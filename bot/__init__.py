"""Vigía: the application core (configuration, services and the rules they hold)."""
