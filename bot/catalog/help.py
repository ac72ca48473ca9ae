"""/ayuda and the command menus."""

ES = {
    "help.header": "<b>Vigía</b>: lo que puede hacer como {role}.",
    "timeline.line": "{time} · {name}: {what}",
    "help.in_group": "En el grupo de operaciones:",
    "help.in_private": "En el chat privado con el bot:",
    "command.start": "Vincular su cuenta con un código de invitación",
    "command.ayuda": "Ver los comandos que puede usar",
    "command.invitar": "Crear un enlace de invitación para vincular a una persona",
}

EN = {
    "timeline.line": "{time} · {name}: {what}",
    "help.header": "<b>Vigía</b>: what you can do as {role}.",
    "help.in_group": "In the operations group:",
    "help.in_private": "In your private chat with the bot:",
    "command.start": "Link your account with an invitation code",
    "command.ayuda": "See the commands you can use",
    "command.invitar": "Create an invitation link that links a person",
}
