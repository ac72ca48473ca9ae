"""The people the procedure names, as roles; who may do what is declared where commands are."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    TECNICO = "tecnico"
    COORDINADOR = "coordinador"
    JEFE = "jefe"
    ADMINISTRADOR = "administrador"
    SEGURIDAD = "seguridad"
    DIRECCION = "direccion"


EVERYONE = frozenset(Role)
UNIT_STAFF = frozenset({Role.TECNICO, Role.COORDINADOR, Role.JEFE})
SUPERVISORS = frozenset({Role.COORDINADOR, Role.JEFE})
# Who sits in the operations group; administrators, security and the directorate use private chats.
GROUP_MEMBERS = UNIT_STAFF
