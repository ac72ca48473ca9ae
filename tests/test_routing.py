"""Who is told about an anomaly, as a table: site kind × category → roles, primary and backup."""

from __future__ import annotations

import pytest

from bot.routing import Recipient, route
from bot.unit_config import DEFAULT_ROUTING, RoutingRule, Site, SiteKind

BORDER = Site(
    code="hachadura",
    name="La Hachadura",
    kind=SiteKind.FRONTERA_TERRESTRE,
    administrators=["adm.luis", "adm.sonia"],
    security=["seg.oscar"],
)
AIR = Site(code="aerea", name="Aduana Aérea", kind=SiteKind.AEREA, administrators=["adm.aerea"], security=["seg.oscar"])
PORT = Site(
    code="acajutla",
    name="Puerto de Acajutla",
    kind=SiteKind.MARITIMA,
    administrators=["adm.puerto"],
    security=["seg.oscar", "seg.suplente"],
)
NOBODY = Site(code="bodega", name="Bodega", kind=SiteKind.OTRA)


@pytest.mark.parametrize(
    ("site", "category", "expected"),
    [
        (BORDER, "persona_sospechosa", [Recipient("administrador", "adm.luis", "adm.sonia")]),
        (AIR, "posible_contrabando", [Recipient("administrador", "adm.aerea")]),
        (
            BORDER,
            "riesgo_seguridad",
            [Recipient("administrador", "adm.luis", "adm.sonia"), Recipient("seguridad", "seg.oscar")],
        ),
        (PORT, "vehiculo_sospechoso", [Recipient("seguridad", "seg.oscar", "seg.suplente")]),
        (
            PORT,
            "riesgo_seguridad",
            [Recipient("administrador", "adm.puerto"), Recipient("seguridad", "seg.oscar", "seg.suplente")],
        ),
        (NOBODY, "otro", []),
    ],
)
def test_default_rules(site: Site, category: str, expected: list[Recipient]) -> None:
    assert route(site, category, DEFAULT_ROUTING) == expected


def test_the_first_matching_rule_wins_and_no_rule_means_nobody() -> None:
    rules = [
        RoutingRule(site_kinds=[SiteKind.AEREA], categories=["otro"], notify=["seguridad"]),
        RoutingRule(site_kinds=[SiteKind.AEREA], notify=["administrador"]),
    ]
    assert route(AIR, "otro", rules) == [Recipient("seguridad", "seg.oscar")]
    assert route(AIR, "persona_sospechosa", rules) == [Recipient("administrador", "adm.aerea")]
    assert route(BORDER, "otro", rules) == []
