"""Reports and digests: /reporte, the chief's review, the daily digest, the weekly chart."""

ES = {
    "command.reporte": "Informe quincenal (AAAA-MM-Q1 o AAAA-MM-Q2; el último por defecto)",
    "informe.bad_period": "«{value}» no es un período: use AAAA-MM-Q1 (días 1 a 15) o AAAA-MM-Q2 (del 16 a fin de mes), p. ej. <code>/reporte 2026-11-Q2</code>.",
    "informe.preview": "📄 Informe {number} <b>preliminar</b>: el período termina el {end}; el definitivo llega al día siguiente.",
    "informe.caption": "📄 <b>Informe {number}</b>, versión {version} · {label}.\nRevíselo: apruébelo para enviarlo a la Dirección General, o agregue observaciones (saldrá una versión nueva). El anexo XLSX va a continuación.",
    "informe.button.approve": "✅ Aprobar y enviar",
    "informe.button.observe": "📝 Agregar observaciones",
    "informe.ask_observation": "Escriba sus observaciones para el informe {number}, respondiendo a este mensaje: saldrá la versión {version} con ellas.",
    "informe.observation_short": "Escriba al menos unas palabras (5 caracteres o más).",
    "informe.approved": "✅ Informe {number} versión {version} aprobado {time} y enviado por correo a la Dirección General ({to}).\nSHA-256 del PDF: <code>{sha}</code>",
    "informe.approved_already": "Este período ya está aprobado (versión {version}); no se envía dos veces.",
    "informe.newer_version": "Hay una versión más nueva de este informe: apruebe esa.",
    "informe.no_recipients": "No hay destinatarios de la Dirección General en la configuración (mail.direccion_general); no se aprobó.",
    "informe.not_found": "Ese informe ya no existe.",
    "informe.digest": "🗞 <b>Resumen del {day}</b>\nAnomalías notificadas: {anomalies} (abiertas en total: {anomalies_open})\nFallas abiertas: {faults_opened} · resueltas: {faults_closed} (abiertas en total: {faults_open})\nRelevos: {handovers} (sin aceptar: {handovers_unaccepted})\nSolicitudes abiertas: {requests_open} · vencen hoy o el próximo día hábil: {requests_due} · vencidas: {requests_overdue}",
    "informe.weekly_caption": "📊 Disponibilidad de cámaras por sitio, semana pasada (lunes a domingo).",
    "informe.weekly_no_data": "📊 Sin datos del monitor de salud para la semana pasada.",
}

EN = {
    "command.reporte": "15-day report (AAAA-MM-Q1 or AAAA-MM-Q2; the last one by default)",
    "informe.bad_period": "“{value}” is not a period: use YYYY-MM-Q1 (days 1 to 15) or YYYY-MM-Q2 (16th to the month's end), e.g. <code>/reporte 2026-11-Q2</code>.",
    "informe.preview": "📄 Report {number}, <b>preliminary</b>: the period ends on {end}; the final one comes the day after.",
    "informe.caption": "📄 <b>Report {number}</b>, version {version} · {label}.\nReview it: approve it to send it to the Dirección General, or add observations (a new version follows). The XLSX annex comes next.",
    "informe.button.approve": "✅ Approve and send",
    "informe.button.observe": "📝 Add observations",
    "informe.ask_observation": "Write your observations for report {number} as a reply to this message: version {version} will carry them.",
    "informe.observation_short": "Write at least a few words (5 characters or more).",
    "informe.approved": "✅ Report {number} version {version} approved {time} and e-mailed to the Dirección General ({to}).\nPDF SHA-256: <code>{sha}</code>",
    "informe.approved_already": "This period is already approved (version {version}); it is not sent twice.",
    "informe.newer_version": "There is a newer version of this report: approve that one.",
    "informe.no_recipients": "No Dirección General recipients are configured (mail.direccion_general); not approved.",
    "informe.not_found": "That report no longer exists.",
    "informe.digest": "🗞 <b>Summary of {day}</b>\nAnomalies reported: {anomalies} (open in all: {anomalies_open})\nFaults opened: {faults_opened} · resolved: {faults_closed} (open in all: {faults_open})\nHandovers: {handovers} (not accepted: {handovers_unaccepted})\nOpen requests: {requests_open} · due today or next working day: {requests_due} · overdue: {requests_overdue}",
    "informe.weekly_caption": "📊 Camera availability by site, last week (Monday to Sunday).",
    "informe.weekly_no_data": "📊 No health-monitor data for last week.",
}
