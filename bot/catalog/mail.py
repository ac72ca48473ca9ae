"""E-mail: what the group is told when a mail could not be delivered."""

ES = {
    "mail.failed": (
        "✉️ <b>Correo no entregado</b> · {ref}\n"
        "«{subject}» para {to}\n"
        "Motivo: {error}\n"
        "Comuníquelo por otro medio (teléfono) y revise la dirección."
    ),
}

EN = {
    "mail.failed": (
        "✉️ <b>E-mail not delivered</b> · {ref}\n"
        "“{subject}” to {to}\n"
        "Reason: {error}\n"
        "Pass it on another way (phone) and check the address."
    ),
}
