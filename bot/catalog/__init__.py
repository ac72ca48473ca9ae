"""Message catalogues, one module per workflow, each with its Spanish and English texts.

Placeholders use str.format names; values are HTML-escaped when rendered (see bot.i18n).
"""

from bot.catalog import (
    access,
    anomalias,
    camaras,
    consignas,
    errors,
    fallas,
    help,
    informes,
    mail,
    placas,
    prompts,
    relevo,
    salud,
    solicitudes,
    turnos,
)

MODULES = (
    access,
    anomalias,
    consignas,
    errors,
    fallas,
    help,
    relevo,
    turnos,
    camaras,
    mail,
    salud,
    placas,
    informes,
    solicitudes,
    prompts,
)
