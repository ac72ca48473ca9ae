"""Who must hear about an anomaly (procedure I-2): a pure function of the site, the category and
the routing rules of the unit file, so the whole table is tested without Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from bot.unit_config import RoutingRule, Site


@dataclass(frozen=True)
class Recipient:
    role: str  # administrador | seguridad
    primary: str  # person id in the unit file
    backup: str | None = None


def route(site: Site, category: str, rules: list[RoutingRule]) -> list[Recipient]:
    """The first matching rule decides the roles; each role's first person is primary, the second backup."""
    rule = next(
        (
            r
            for r in rules
            if (not r.site_kinds or site.kind in r.site_kinds) and (not r.categories or category in r.categories)
        ),
        None,
    )
    if rule is None:
        return []
    recipients = []
    for role in rule.notify:
        people = site.administrators if role == "administrador" else site.security
        if people:
            recipients.append(Recipient(role, people[0], people[1] if len(people) > 1 else None))
    return recipients
