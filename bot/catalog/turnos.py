"""Shifts, roster and check-in."""

ES = {
    "command.turno": "Marcar entrada o salida de su turno",
    "command.quien": "Ver quién está de turno ahora y quién sigue",
    "command.rol": "Cambiar el rol de un turno para un día",
    "turno.checked_in": "Entrada registrada a las {time}: turno {shift} ({span}).",
    "turno.checked_in_off_roster": "Entrada registrada a las {time}: turno {shift} ({span}). No estaba en el rol de este turno; quedó anotado.",
    "turno.checked_out": "Salida registrada a las {time}. Si no lo ha hecho, deje el relevo con /relevo.",
    "turno.now": "<b>Ahora</b>: turno {shift} ({span})",
    "turno.next": "<b>Sigue</b>: turno {shift} ({span})",
    "turno.person_in": "• {name} ✓ entró {time}",
    "turno.person_expected": "• {name}",
    "turno.nobody": "• (nadie en el rol)",
    "turno.changed": "(rol cambiado para este día)",
    "turno.rol_usage": (
        "Uso: <code>/rol &lt;hoy|mañana|dd/mm&gt; &lt;turno&gt; &lt;persona&gt; [persona…]</code>\n"
        "Turnos: {shifts}. Técnicos: {people}."
    ),
    "turno.rol_bad_day": "No entiendo el día «{value}». Use hoy, mañana o dd/mm.",
    "turno.rol_bad_shift": "No hay turno «{value}». Turnos: {shifts}.",
    "turno.rol_bad_person": "«{value}» no es un técnico de la configuración. Técnicos: {people}.",
    "turno.rol_done": "Rol del turno {shift} del {day} ({span}): {people}.",
}

EN = {
    "command.turno": "Check in or out of your shift",
    "command.quien": "See who is on duty now and who is next",
    "command.rol": "Change one day's roster of a shift",
    "turno.checked_in": "Checked in at {time}: {shift} shift ({span}).",
    "turno.checked_in_off_roster": "Checked in at {time}: {shift} shift ({span}). You were not on this shift's roster; that is noted.",
    "turno.checked_out": "Checked out at {time}. If you have not yet, hand over with /relevo.",
    "turno.now": "<b>Now</b>: {shift} shift ({span})",
    "turno.next": "<b>Next</b>: {shift} shift ({span})",
    "turno.person_in": "• {name} ✓ in since {time}",
    "turno.person_expected": "• {name}",
    "turno.nobody": "• (nobody on the roster)",
    "turno.changed": "(roster changed for this day)",
    "turno.rol_usage": (
        "Usage: <code>/rol &lt;hoy|mañana|dd/mm&gt; &lt;shift&gt; &lt;person&gt; [person…]</code>\n"
        "Shifts: {shifts}. Technicians: {people}."
    ),
    "turno.rol_bad_day": "I do not understand the day “{value}”. Use hoy, mañana or dd/mm.",
    "turno.rol_bad_shift": "There is no shift “{value}”. Shifts: {shifts}.",
    "turno.rol_bad_person": "“{value}” is not a technician of the configuration. Technicians: {people}.",
    "turno.rol_done": "Roster of the {shift} shift on {day} ({span}): {people}.",
}
