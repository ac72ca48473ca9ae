"""The e-mail of an anomaly alert (procedure I-2: "se redacta correo electrónico, adjuntando
imágenes"): the report number in the subject, the facts, the images attached, and how to answer."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.mail import outbox
from bot.mail.compose import Attachment
from bot.unit_config import UnitConfig
from storage.anomalias import Anomaly
from storage.people import Person


def alert_mail(anomaly: Anomaly, unit: UnitConfig, reporter: str, tz: ZoneInfo) -> tuple[str, str, str]:
    site, category = unit.site_name(anomaly.site_code), unit.category_name(anomaly.category)
    fields = [
        ("Reporte", anomaly.number),
        ("Sitio", site),
        ("Categoría", category),
        ("Cámaras", anomaly.cameras.replace(",", ", ") or "-"),
        ("Fecha y hora", f"{anomaly.created_at.astimezone(tz):%d/%m/%Y %H:%M}"),
        ("Reporta", f"{reporter}, Unidad Técnica de Monitoreo y Video Vigilancia"),
        ("Descripción", anomaly.description),
    ]
    answer = (
        "Por favor verifique la situación y responda a este correo con la justificación "
        "(también puede hacerlo con el botón «Responder justificación» en Telegram)."
    )
    text = "\n".join(
        [
            "Estimado(a):",
            "",
            "La UTMV le informa la siguiente situación observada:",
            "",
            *(f"{label}: {value}" for label, value in fields),
            "",
            answer,
        ]
    )
    rows = "".join(f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in fields)
    body = (
        f"<p>Estimado(a):</p><p>La UTMV le informa la siguiente situación observada:</p><table>{rows}</table>"
        f"<p>{html.escape(answer)}</p>"
    )
    return f"[{anomaly.number}] Anomalía en {site}: {category}", text, body


def hint_mail(anomaly: Anomaly) -> tuple[str, str]:
    """The answer to an e-mailed reply that justifies nothing ("ok", "recibido"): what is missing, as
    Telegram says it to an answer there."""
    text = "\n".join(
        [
            "Estimado(a):",
            "",
            f"Recibimos su respuesta sobre la anomalía {anomaly.number}, pero no alcanza como justificación: "
            "cuente qué verificó y qué encontró (por ejemplo: «Era personal de la naviera autorizado para "
            "retirar carga»).",
            "",
            "Responda a este correo con la justificación.",
        ]
    )
    return f"[{anomaly.number}] Justificación pendiente", text


async def queue_alert_mail(
    session: AsyncSession,
    anomaly: Anomaly,
    person: Person,
    reporter: str,
    unit: UnitConfig,
    tz: ZoneInfo,
    images: list[bytes],
    now: object,
) -> None:
    """In the caller's unit of work: the mail commits with the notice it belongs to."""
    if not person.email:
        return
    subject, text, body = alert_mail(anomaly, unit, reporter, tz)
    attachments = [Attachment(f"{anomaly.number}-{n}.jpg", "image/jpeg", data) for n, data in enumerate(images, 1)]
    await outbox.enqueue(
        session,
        ref=anomaly.number,
        to=[person.email],
        subject=subject,
        text=text,
        html=body,
        attachments=attachments,
        now=now,
    )  # type: ignore[arg-type]


async def queue_hint_mail(session: AsyncSession, anomaly: Anomaly, to: str, in_reply_to: str, now: object) -> None:
    """In the caller's unit of work, with the reply it answers recorded in the timeline."""
    subject, text = hint_mail(anomaly)
    await outbox.enqueue(
        session, ref=anomaly.number, to=[to], subject=subject, text=text, in_reply_to=in_reply_to, now=now
    )  # type: ignore[arg-type]
