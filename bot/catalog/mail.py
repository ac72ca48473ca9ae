"""E-mail: what the group is told when a mail could not be delivered."""

ES = {
    "mail.failed": (
        "✉️ <b>Correo no entregado</b> · {ref}\n"
        "«{subject}» para {to}\n"
        "Motivo: {error}\n"
        "Comuníquelo por otro medio (teléfono) y revise la dirección."
    ),
    "mail.stuck": "✉️ El correo {ref} «{subject}» lleva más de {minutes} min sin poder enviarse. Último error: {error}. Revise el servidor de correo (vigia outbox muestra la cola).",
}

EN = {
    "mail.failed": (
        "✉️ <b>E-mail not delivered</b> · {ref}\n"
        "“{subject}” to {to}\n"
        "Reason: {error}\n"
        "Pass it on another way (phone) and check the address."
    ),
    "mail.stuck": "✉️ The e-mail {ref} “{subject}” has not gone out for more than {minutes} min. Last error: {error}. Check the mail server (vigia outbox shows the queue).",
}
