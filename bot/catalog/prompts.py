"""The bot's questions that wait for a person's answer (bot/prompts.py)."""

ES = {
    "prompt.not_waiting": (
        "Esa pregunta ya no está pendiente (ya se respondió, o usted pulsó otro botón después): "
        "su mensaje no se guardó. Pulse el botón de nuevo y responda a la pregunta nueva."
    ),
}

EN = {
    "prompt.not_waiting": (
        "That question is no longer waiting (it was answered, or you pressed another button since): "
        "your message was not saved. Press the button again and answer the new question."
    ),
}
