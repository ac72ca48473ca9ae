"""The vendor's e-mail for a fault (procedure III-1, step 3): number in the subject, site, camera,
symptoms and times, in plain text and HTML."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.unit_config import UnitConfig
from storage.fallas import Fault


def subject_of(fault: Fault, unit: UnitConfig) -> str:
    return f"[{fault.number}] Falla en {target_name(fault, unit)}"


def target_name(fault: Fault, unit: UnitConfig) -> str:
    site = next((s.name for s in unit.sites if s.code == fault.site_code), fault.site_code or "")
    if fault.scope == "siram":
        return "SIRAM"
    camera = next((c.name for c in unit.cameras if c.code == fault.camera_code), fault.camera_code)
    return f"{camera} ({site})" if fault.scope == "camara" else f"{site} (sitio completo)"


def vendor_mail(fault: Fault, unit: UnitConfig, tz: ZoneInfo) -> tuple[str, str, str]:
    """Subject, text and HTML; every value from people is escaped in the HTML part."""
    fields = [
        ("Falla", fault.number),
        ("Sitio / cámara", target_name(fault, unit)),
        ("Síntomas", fault.description or "Sin imagen / sin señal"),
        ("Inicio", _time(fault.opened_at, tz)),
        (
            "Verificado",
            "Energía y visualización con la administración de aduana: normal. Enlace con el centro de datos: correcto.",
        ),
    ]
    intro = "La Unidad Técnica de Monitoreo y Video Vigilancia reporta la siguiente falla para su atención:"
    return subject_of(fault, unit), *_body(fault, intro, fields)


def vendor_again_mail(
    fault: Fault, unit: UnitConfig, tz: ZoneInfo, symptoms: str, now: datetime
) -> tuple[str, str, str]:
    """The fault reported before, resolved since, failing again: sent in the first report's thread
    (its subject with "Re:"), naming their ticket so they find their own case."""
    fields = [
        ("Falla", fault.number),
        ("Sitio / cámara", target_name(fault, unit)),
        ("Síntomas", symptoms),
        ("Volvió a fallar", _time(now, tz)),
        *([("Su ticket", fault.vendor_ticket)] if fault.vendor_ticket else []),
    ]
    intro = "La falla que les reportamos en este hilo se dio por resuelta, pero volvió a fallar:"
    return f"Re: {subject_of(fault, unit)}", *_body(fault, intro, fields)


def _time(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%d/%m/%Y %H:%M} ({tz.key})"


def _body(fault: Fault, intro: str, fields: list[tuple[str, str]]) -> tuple[str, str]:
    ask = f"Por favor respondan a este correo indicando el número de ticket. Conserven {fault.number} en el asunto."
    text = "\n".join(
        [
            "Estimados señores:",
            "",
            intro,
            "",
            *(f"{label}: {value}" for label, value in fields),
            "",
            ask,
            "",
            "UTMV · Dirección General de Aduanas",
        ]
    )
    rows = "".join(
        f"<tr><th align='left'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>" for label, value in fields
    )
    body = (
        f"<p>Estimados señores:</p><p>{html.escape(intro)}</p><table>{rows}</table><p>{html.escape(ask)}</p>"
        f"<p>UTMV · Dirección General de Aduanas</p>"
    )
    return text, body
