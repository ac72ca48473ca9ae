"""Access control end to end: foreign groups, strangers, linking, roles, languages, menus, errors."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot import access
from handlers.menus import publish_person_menus
from storage.audit import AuditEntry
from storage.people import Person
from tests.harness import GROUP_ID, BotHarness


async def audited(bot: BotHarness, action: str) -> list[AuditEntry]:
    async with bot.services.db.read() as session:
        return list(
            (await session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))).all()
        )


async def test_it_leaves_a_group_it_was_not_configured_for(bot: BotHarness) -> None:
    foreign = bot.fake.group(-1009999, "Otro grupo")
    mark = bot.fake.mark()
    bot.fake.add_bot_to_group(bot.user("tec.ana"), foreign)
    notice = await bot.fake.wait_for("sendMessage", after=mark, chat_id=foreign["id"])
    assert "no está autorizado" in notice.params["text"]
    await bot.fake.wait_for("leaveChat", after=mark, chat_id=foreign["id"])
    assert foreign["id"] in bot.fake.left_chats
    assert [e.actor_telegram_id for e in await audited(bot, "access.foreign_group")] == [1001]


async def test_a_stranger_in_private_is_refused_once_and_audited_every_time(bot: BotHarness) -> None:
    reply = await bot.ask("stranger", "/ayuda")
    assert "uso exclusivo de la Unidad" in reply.params["text"]
    await bot.send("stranger", "hola?")
    await bot.send("stranger", "/ayuda")
    after = await bot.settle()
    stranger_chat = bot.private("stranger")["id"]
    assert [c for c in bot.fake.calls[:after] if c.params.get("chat_id") == stranger_chat].__len__() == 1
    assert len(await audited(bot, "access.refused_private")) == 3


async def test_a_stranger_in_the_group_is_answered_only_when_addressing_the_bot(bot: BotHarness) -> None:
    mark, _ = await bot.send("stranger", "buenas noches a todos", where="group")
    reply = await bot.ask("stranger", "/ayuda", where="group")
    assert reply.index > mark and "no está vinculada a Vigía" in reply.params["text"]
    assert [c.method for c in bot.fake.calls[mark : reply.index]].count("sendMessage") == 0
    assert len(await audited(bot, "access.refused_group")) == 1


async def test_linking_with_a_fresh_code_gives_access_and_a_menu(bot: BotHarness) -> None:
    invite = await bot.ask("coord.carlos", "/invitar tec.nuevo")
    link = re.search(r"https://t\.me/vigia_test_bot\?start=([\w-]+)", invite.params["text"])
    assert link and "Nuevo Técnico" in invite.params["text"]

    linked = await bot.ask("tec.nuevo", f"/start {link.group(1)}")
    assert "Su cuenta quedó vinculada como técnico de monitoreo" in linked.params["text"]
    menu = await bot.fake.wait_for(
        "setMyCommands", after=linked.index, scope=lambda s: s == {"type": "chat", "chat_id": 1008}
    )
    commands = [c["command"] for c in menu.params["commands"]]
    assert commands[0] == "ayuda" and "invitar" not in commands
    help_reply = await bot.ask("tec.nuevo", "/ayuda")
    assert "/ayuda" in help_reply.params["text"] and "/invitar" not in help_reply.params["text"]

    again = await bot.ask("stranger", f"/start {link.group(1)}")
    assert "ya fue usado" in again.params["text"]


async def test_an_expired_or_made_up_code_is_refused(bot: BotHarness) -> None:
    past = bot.services.now() - timedelta(days=2)
    code, _ = await access.create_invite(bot.services.db, "tec.nuevo", now=past, valid_for=timedelta(hours=24))
    assert "venció" in (await bot.ask("tec.nuevo", f"/start {code}")).params["text"]
    assert "no es válido" in (await bot.ask("tec.nuevo", "/start abc")).params["text"]
    assert await access.identify(bot.services.db, 1008) is None
    assert len(await audited(bot, "link.refused")) == 2


async def test_an_invitation_sent_in_the_group_is_refused_withdrawn_and_audited(bot: BotHarness) -> None:
    """Nuevo pastes his invitation in the group instead of his private chat. Expected: refused there
    (before, it was refused but not audited), and the code no longer works, since everyone in the group
    has seen it: he is told to ask for a new one. A code that did not work anyway is only refused."""
    invite = await bot.ask("coord.carlos", "/invitar tec.nuevo")
    code = re.search(r"\?start=([\w-]+)", invite.params["text"]).group(1)  # type: ignore[union-attr]
    refused = await bot.ask("tec.nuevo", f"/start {code}", where="group")
    assert refused.params["text"] == (
        "Ese código de invitación quedó a la vista del grupo y ya no sirve. "
        "Pida uno nuevo a su coordinador y ábralo en el chat privado con el bot."
    )
    assert "venció" in (await bot.ask("tec.nuevo", f"/start {code}")).params["text"]
    assert await access.identify(bot.services.db, 1008) is None
    made_up = await bot.ask("tec.ana", "/start@vigia_test_bot abc", where="group")
    assert made_up.params["text"] == "Abra su enlace de invitación en el chat privado con el bot, no en el grupo."
    entries = await audited(bot, "access.invitation_in_group")
    assert [(e.actor_telegram_id, e.object_id, json.loads(e.detail)["withdrawn"]) for e in entries] == [
        (1008, "tec.nuevo", True),
        (1001, None, False),
    ]


async def test_a_wrong_role_is_told_who_may(bot: BotHarness) -> None:
    reply = await bot.ask("tec.ana", "/invitar tec.nuevo")
    assert reply.params["text"] == (
        "El comando /invitar es para: coordinador técnico, jefe de la UTMV. Su rol es técnico de monitoreo."
    )
    assert [e.actor_telegram_id for e in await audited(bot, "access.wrong_role")] == [1001]


async def test_a_private_command_in_the_group_points_to_the_private_chat(bot: BotHarness) -> None:
    reply = await bot.ask("coord.carlos", "/invitar tec.nuevo", where="group")
    assert reply.params["text"] == "/invitar solo funciona en el chat privado con el bot."
    assert "start=" not in reply.params["text"]
    (entry,) = await audited(bot, "access.private_only")
    carlos = bot.user("coord.carlos")["id"]
    assert (entry.actor_telegram_id, json.loads(entry.detail)) == (carlos, {"action": "invitar"})


async def test_invitar_explains_its_usage_and_unknown_people(bot: BotHarness) -> None:
    usage = await bot.ask("jefe.marta", "/invitar")
    assert "Uso:" in usage.params["text"] and "tec.nuevo (Nuevo Técnico)" in usage.params["text"]
    unknown = await bot.ask("jefe.marta", "/invitar <b>nadie</b>")
    assert "«&lt;b&gt;nadie&lt;/b&gt;»" in unknown.params["text"]


async def test_a_coordinator_cannot_move_the_chiefs_account_to_another_one(bot: BotHarness) -> None:
    """An invitation for someone already linked hands their access to whoever opens it. Carlos may
    do that for a technician's new phone (and is warned), not for the chief: her account keeps working."""
    refused = await bot.ask("coord.carlos", "/invitar jefe.marta")
    assert "Marta Hernández ya tiene su cuenta vinculada" in refused.params["text"] and "start=" not in str(refused)
    moved = await bot.ask("coord.carlos", "/invitar tec.ana")
    assert "start=" in moved.params["text"] and "esa cuenta deja de funcionar" in moved.params["text"]
    by_the_chief = await bot.ask("jefe.marta", "/invitar coord.carlos")
    assert "start=" in by_the_chief.params["text"] and "deja de funcionar" in by_the_chief.params["text"]
    still = await bot.ask("jefe.marta", "/ayuda")
    assert "jefe de la UTMV" in still.params["text"]


async def test_ayuda_speaks_each_persons_language_and_role(bot: BotHarness) -> None:
    spanish = (await bot.ask("coord.carlos", "/ayuda")).params["text"]
    assert "lo que puede hacer como coordinador técnico" in spanish and "/invitar" in spanish
    english = (await bot.ask("tec.kevin", "/ayuda", where="group")).params["text"]
    assert "what you can do as monitoring technician" in english and "/invitar" not in english
    administrator = (await bot.ask("adm.luis", "/ayuda")).params["text"]
    assert "administrador de aduana" in administrator and "En el grupo" not in administrator


@pytest.mark.parametrize(
    ("language", "description"), [("es", "Ver los comandos que puede usar"), ("en", "See the commands you can use")]
)
async def test_menus_are_set_per_scope_and_language(bot: BotHarness, language: str, description: str) -> None:
    private = bot.fake.commands({"type": "all_private_chats"}, language)
    assert [c["command"] for c in private] == ["start"]
    group = bot.fake.commands({"type": "chat", "chat_id": GROUP_ID}, language)
    assert {"command": "ayuda", "description": description} in group
    assert "invitar" not in [c["command"] for c in group]


async def test_each_linked_person_gets_a_menu_for_their_role(bot: BotHarness) -> None:
    coordinator = bot.fake.commands({"type": "chat", "chat_id": 1003})
    assert {"ayuda", "invitar", "rol"} <= {c["command"] for c in coordinator}
    kevin_in_group = bot.fake.commands({"type": "chat_member", "chat_id": GROUP_ID, "user_id": 1002})
    assert kevin_in_group[0] == {"command": "ayuda", "description": "See the commands you can use"}
    assert {"invitar", "rol", "start"}.isdisjoint(c["command"] for c in kevin_in_group)


async def test_an_unexpected_error_gives_a_reference_and_is_logged(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    async with bot.services.db.write() as session:
        await session.exec(text("DROP TABLE link_code"))  # type: ignore[call-overload]
    with caplog.at_level(logging.ERROR):
        reply = await bot.ask("coord.carlos", "/invitar tec.nuevo")
    reference = re.search(r"referencia <code>([0-9A-F]{6})</code>", reply.params["text"])
    assert reference, reply.params["text"]
    assert f"error {reference.group(1)} while handling" in caplog.text and "link_code" in caplog.text
    await bot.settle()
    assert len(bot.errors) == 1
    bot.errors.clear()


async def test_a_menu_telegram_refuses_is_skipped_not_fatal(bot: BotHarness, caplog: pytest.LogCaptureFixture) -> None:
    never_opened = Person(key="x", name="X", role="tecnico", telegram_id=424242)
    with caplog.at_level(logging.WARNING):
        await publish_person_menus(bot.app.bot, bot.app.bot_data, GROUP_ID, never_opened)
    assert '"chat_id": 424242' in caplog.text and "not set: Chat not found" in caplog.text


async def test_it_follows_its_group_when_the_group_becomes_a_supergroup(bot: BotHarness) -> None:
    """Carlos turns the unit's group into a supergroup (turning on topics does it): Telegram gives it a
    new id. Expected: the bot stays (before, it left the new id as a foreign group), answers there,
    posts a new consigna there, and still knows the new id after a restart with the old unit file."""
    await bot.settle()
    new = bot.fake.migrate_group(bot.user("coord.carlos"), bot.group, -1005555555555)
    await bot.settle()
    assert bot.services.unit.group.chat_id == new["id"]
    assert not [c for c in bot.fake.calls if c.method == "leaveChat"]
    await bot.restart()
    assert bot.services.unit.group.chat_id == new["id"], "the unit file still says the old id"
    mark = bot.fake.mark()
    bot.fake.send_text(bot.user("tec.ana"), new, "/consigna Vigilar el portón norte de La Hachadura")
    await bot.fake.wait_for("sendMessage", after=mark, chat_id=new["id"], text_contains="Consigna #1")
    await bot.fake.wait_for("pinChatMessage", after=mark, chat_id=new["id"])  # the board, posted again there
    assert [e.object_id for e in await audited(bot, "group.migrated")] == [str(GROUP_ID)]


async def test_a_foreign_group_that_becomes_a_supergroup_is_still_left(bot: BotHarness) -> None:
    """Someone added the bot to another group, which then became a supergroup. Expected: the bot
    leaves the new id as it would the old one, and the unit's group keeps its id."""
    await bot.settle()
    foreign = bot.fake.group(-1009999, "Otro grupo", supergroup=False, member=True)
    mark = bot.fake.mark()
    new = bot.fake.migrate_group(bot.user("tec.ana"), foreign, -1007777777777)
    await bot.fake.wait_for("leaveChat", after=mark, chat_id=new["id"])
    assert bot.services.unit.group.chat_id == GROUP_ID and await audited(bot, "group.migrated") == []
