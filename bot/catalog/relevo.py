"""The shift handover (relevo), its reminders, and the chief's shift summary."""

ES = {
    "command.relevo": "Entregar el turno: consignas abiertas y notas para el turno entrante",
    "relevo.title": "🔄 <b>Relevo</b> del turno {outgoing} ({outgoing_span}) al turno {incoming} ({incoming_span})",
    "relevo.from": "Entrega: {name}, {time}",
    "relevo.to": "Recibe: {names}",
    "relevo.to_nobody": "Recibe: el turno {shift} (nadie en el rol: acepta cualquier técnico o la coordinación)",
    "relevo.section.consigna": "<b>Consignas abiertas</b>",
    "relevo.section.anomalia": "<b>Anomalías abiertas</b>",
    "relevo.section.falla": "<b>Fallas abiertas</b>",
    "relevo.section_empty": "(ninguna)",
    "relevo.item_open": "{n}. ⬜ {label}",
    "relevo.item_accepted": "{n}. ✅ {label} · aceptó {name} {time}",
    "relevo.notes": "<b>Notas</b>\n{notes}",
    "relevo.pending": "Faltan por aceptar: {count} de {total}.",
    "relevo.accepted": "✅ Relevo aceptado por {name} a las {time}.",
    "relevo.button.item": "Aceptar {n}",
    "relevo.button.all": "Aceptar todo",
    "relevo.already_open": "Ya hay un relevo abierto de este turno; se acepta en el mensaje de arriba.",
    "relevo.updated": "El relevo abierto de este turno quedó al día (sus notas y lo abierto desde entonces); se acepta en el mensaje de arriba.",
    "relevo.accepted_item": "Aceptado.",
    "relevo.accepted_all": "Relevo aceptado.",
    "relevo.already_accepted": "Eso ya estaba aceptado; no se cambió nada.",
    "relevo.not_found": "Ese relevo ya no existe.",
    "relevo.not_incoming": "Solo el turno entrante ({names}) o la coordinación pueden aceptar este relevo.",
    "relevo.own": "No puede aceptar su propio relevo: lo acepta el turno entrante.",
    "relevo.reminder_group": "⏰ Relevo sin aceptar desde hace {minutes} min. {names}, acéptenlo aquí arriba.",
    "relevo.reminder_private": "⏰ El relevo del turno {outgoing} lleva {minutes} min sin aceptar. Acéptelo en el grupo de operaciones.",
    "relevo.escalation": "⚠️ El relevo del turno {outgoing} (entregado por {name} a las {time}) sigue sin aceptar tras {minutes} min. Recibe: {names}.",
    "relevo.prompt": "Su turno {shift} termina a las {end}. Deje el relevo en el grupo con /relevo (puede agregar notas: <code>/relevo &lt;notas&gt;</code>).",
    "relevo.summary": (
        "<b>Resumen del turno {shift}</b> ({day}, {span})\n"
        "Consignas creadas: {created} · cumplidas: {done} · canceladas: {cancelled} · pasan al turno siguiente: {carried}\n"
        "{handover}"
    ),
    "relevo.summary_accepted": "Relevo: entregado por {by} a las {at}, aceptado por {name} a las {time}.",
    "relevo.summary_pending": "Relevo: entregado por {by} a las {at}, todavía sin aceptar.",
    "relevo.summary_none": "Relevo: no se hizo.",
}

EN = {
    "command.relevo": "Hand over the shift: open orders and notes for the incoming shift",
    "relevo.title": "🔄 <b>Handover</b> from the {outgoing} shift ({outgoing_span}) to the {incoming} shift ({incoming_span})",
    "relevo.from": "Handed over by: {name}, {time}",
    "relevo.to": "Received by: {names}",
    "relevo.to_nobody": "Received by: the {shift} shift (nobody on the roster: any technician or the coordinator accepts)",
    "relevo.section.consigna": "<b>Open orders</b>",
    "relevo.section.anomalia": "<b>Open anomalies</b>",
    "relevo.section.falla": "<b>Open faults</b>",
    "relevo.section_empty": "(none)",
    "relevo.item_open": "{n}. ⬜ {label}",
    "relevo.item_accepted": "{n}. ✅ {label} · accepted by {name} {time}",
    "relevo.notes": "<b>Notes</b>\n{notes}",
    "relevo.pending": "Still to accept: {count} of {total}.",
    "relevo.accepted": "✅ Handover accepted by {name} at {time}.",
    "relevo.button.item": "Accept {n}",
    "relevo.button.all": "Accept all",
    "relevo.already_open": "This shift's handover is already open; accept it on the message above.",
    "relevo.updated": "This shift's open handover is up to date (your notes and what was opened since); accept it on the message above.",
    "relevo.accepted_item": "Accepted.",
    "relevo.accepted_all": "Handover accepted.",
    "relevo.already_accepted": "That was already accepted; nothing was changed.",
    "relevo.not_found": "That handover no longer exists.",
    "relevo.not_incoming": "Only the incoming shift ({names}) or the coordinator can accept this handover.",
    "relevo.own": "You cannot accept your own handover: the incoming shift accepts it.",
    "relevo.reminder_group": "⏰ Handover not accepted for {minutes} min. {names}, please accept it above.",
    "relevo.reminder_private": "⏰ The handover of the {outgoing} shift has waited {minutes} min. Accept it in the operations group.",
    "relevo.escalation": "⚠️ The handover of the {outgoing} shift (by {name} at {time}) is still not accepted after {minutes} min. Receiving: {names}.",
    "relevo.prompt": "Your {shift} shift ends at {end}. Hand over in the group with /relevo (you can add notes: <code>/relevo &lt;notes&gt;</code>).",
    "relevo.summary": (
        "<b>Summary of the {shift} shift</b> ({day}, {span})\n"
        "Orders created: {created} · done: {done} · cancelled: {cancelled} · carried over: {carried}\n"
        "{handover}"
    ),
    "relevo.summary_accepted": "Handover: by {by} at {at}, accepted by {name} at {time}.",
    "relevo.summary_pending": "Handover: by {by} at {at}, not accepted yet.",
    "relevo.summary_none": "Handover: none was made.",
}
