"""The e-mail of an anomaly alert (procedure I-2: "se redacta correo electrónico, adjuntando
imágenes"): the report number in the subject, the facts, the images attached, and how to answer."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.mail import compose, outbox
from bot.mail.compose import Attachment, bare
from bot.unit_config import UnitConfig
from storage.anomalias import Anomaly
from storage.mail import mails_for_ref
from storage.people import Person


def alert_mail(
    anomaly: Anomaly, unit: UnitConfig, reporter: str, tz: ZoneInfo, left_out: int = 0, images: int = 0
) -> tuple[str, str, str]:
    """Subject, text and HTML; `left_out` of the report's `images` did not fit in the mail, and it says so."""
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
    notes = [answer]
    if left_out:  # not "reply to ask for them": a reply to this mail is read as the justification
        notes.insert(
            0,
            f"Imágenes no adjuntadas por el tamaño del correo: {left_out} de {images}. "
            "Están en la alerta de Telegram; si no usa Telegram, solicítelas a la UTMV.",
        )
    text = "\n".join(
        [
            "Estimado(a):",
            "",
            "La UTMV le informa la siguiente situación observada:",
            "",
            *(f"{label}: {value}" for label, value in fields),
            *(line for note in notes for line in ("", note)),
        ]
    )
    rows = "".join(f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in fields)
    body = (
        f"<p>Estimado(a):</p><p>La UTMV le informa la siguiente situación observada:</p><table>{rows}</table>"
        + "".join(f"<p>{html.escape(note)}</p>" for note in notes)
    )
    return f"[{anomaly.number}] Anomalía en {site}: {category}", text, body


def _pending(anomaly: Anomaly, sentence: str) -> tuple[str, str]:
    """A mail that still asks for the justification: one subject and layout, whichever the reason, so
    the person's answer threads and matches the case."""
    text = "\n".join(["Estimado(a):", "", sentence, "", "Responda a este correo con la justificación."])
    return f"[{anomaly.number}] Justificación pendiente", text


def hint_mail(anomaly: Anomaly) -> tuple[str, str]:
    """The answer to an e-mailed reply that justifies nothing ("ok", "recibido"): what is missing, as
    Telegram says it to an answer there."""
    return _pending(
        anomaly,
        f"Recibimos su respuesta sobre la anomalía {anomaly.number}, pero no alcanza como justificación: "
        "cuente qué verificó y qué encontró (por ejemplo: «Era personal de la naviera autorizado para "
        "retirar carga»).",
    )


def fitting(images: list[bytes], limit: int) -> list[int]:
    """The positions, in order, of the images one mail carries within `limit` bytes: the largest are
    left out first, so that as many as possible go."""
    kept = sorted(range(len(images)), key=lambda n: len(images[n]))
    while sum(len(images[n]) for n in kept) > limit:
        kept.pop()
    return sorted(kept)


def reminder_mail(anomaly: Anomaly, site: str, tz: ZoneInfo) -> tuple[str, str]:
    """The justification reminder for someone who has not answered the alert."""
    return _pending(
        anomaly,
        f"Seguimos esperando su justificación de la anomalía {anomaly.number} en {site}, reportada el "
        f"{anomaly.created_at.astimezone(tz):%d/%m/%Y %H:%M}: cuente qué verificó y qué encontró.",
    )


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
    """In the caller's unit of work: the mail commits with the notice it belongs to. Images that would
    make it too big for mail servers stay out of it (the mail says so): the case, filed in that unit
    of work, never depends on the mail's size."""
    if not person.email:
        return
    kept = fitting(images, compose.MAX_ATTACHMENTS_BYTES)
    subject, text, body = alert_mail(anomaly, unit, reporter, tz, len(images) - len(kept), len(images))
    attachments = [Attachment(f"{anomaly.number}-{n + 1}.jpg", "image/jpeg", images[n]) for n in kept]
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
    await _queue_pending(session, anomaly, to, in_reply_to, hint_mail(anomaly), now)


async def queue_reminder_mail(
    session: AsyncSession, anomaly: Anomaly, person: Person, site: str, tz: ZoneInfo, now: datetime
) -> None:
    """In the caller's unit of work, as a reply to the person's alert e-mail (the case's first mail to
    their address), so it joins that thread in their mail client, and so does their answer."""
    if not person.email:
        return
    address = person.email.lower()
    alert = next(
        (m for m in await mails_for_ref(session, anomaly.number) if address in (bare(a).lower() for a in m.to)), None
    )
    mail = reminder_mail(anomaly, site, tz)
    await _queue_pending(session, anomaly, person.email, alert.message_id if alert else None, mail, now)


async def _queue_pending(
    session: AsyncSession, anomaly: Anomaly, to: str, in_reply_to: str | None, mail: tuple[str, str], now: object
) -> None:
    subject, text = mail
    await outbox.enqueue(
        session, ref=anomaly.number, to=[to], subject=subject, text=text, in_reply_to=in_reply_to, now=now
    )  # type: ignore[arg-type]
