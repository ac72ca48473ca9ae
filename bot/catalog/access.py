"""Access control and account linking."""

ES = {
    "role.tecnico": "técnico de monitoreo",
    "role.coordinador": "coordinador técnico",
    "role.jefe": "jefe de la UTMV",
    "role.administrador": "administrador de aduana",
    "role.seguridad": "técnico de seguridad del Ministerio",
    "role.direccion": "Dirección General",
    "access.foreign_group": (
        "Este grupo no está autorizado para usar Vigía, así que me retiro. "
        "Si es un error, comuníquese con la Jefatura de la UTMV."
    ),
    "access.unknown_private": (
        "Hola. Vigía es de uso exclusivo de la Unidad Técnica de Monitoreo y Video Vigilancia. "
        "Si usted forma parte de la unidad, pida a su coordinador un enlace de invitación y ábralo aquí."
    ),
    "access.unknown_in_group": (
        "{name}, su cuenta de Telegram no está vinculada a Vigía. "
        "Pida a su coordinador un enlace de invitación y ábralo en el chat privado con el bot."
    ),
    "access.wrong_role": "El comando /{command} es para: {roles}. Su rol es {role}.",
    "access.private_only": "/{command} solo funciona en el chat privado con el bot.",
    "access.group_only": "/{command} solo funciona en el grupo de operaciones.",
    "access.flood": "Demasiados mensajes seguidos; espere unos segundos.",
    "access.forwarded_command": "Un comando reenviado de otro chat no se ejecuta: escríbalo usted si quiere usarlo.",
    "link.linked": "Listo, {name}. Su cuenta quedó vinculada como {role}. Escriba /ayuda para ver lo que puede hacer.",
    "link.unknown_code": "Ese código de invitación no es válido. Revise el enlace o pida uno nuevo a su coordinador.",
    "link.used_code": "Ese código de invitación ya fue usado; cada código sirve una sola vez. Pida uno nuevo a su coordinador.",
    "link.expired_code": "Ese código de invitación venció. Pida uno nuevo a su coordinador.",
    "link.account_taken": "Esta cuenta de Telegram ya está vinculada a {name}. Si es un error, comuníquese con la Jefatura.",
    "link.welcome_back": "Hola, {name}. Su cuenta ya está vinculada. Escriba /ayuda para ver lo que puede hacer.",
    "link.open_in_private": "Abra su enlace de invitación en el chat privado con el bot, no en el grupo.",
    "link.exposed_code": (
        "Ese código de invitación quedó a la vista del grupo y ya no sirve. "
        "Pida uno nuevo a su coordinador y ábralo en el chat privado con el bot."
    ),
    "link.invite_usage": "Uso: <code>/invitar &lt;persona&gt;</code>, con el identificador de la persona en la configuración.\n{unlinked}",
    "link.invite_unknown": "No hay nadie activo con el identificador «{key}» en la configuración.\n{unlinked}",
    "link.unlinked": "Sin vincular todavía: {people}.",
    "link.all_linked": "Todas las personas de la configuración ya están vinculadas.",
    "link.invite_created": (
        "Invitación para <b>{name}</b> ({role}). Funciona una sola vez, hasta el {until}:\n{link}\n\n"
        "Envíela solo a esa persona, por un canal privado: quien la abra queda vinculado como {name}."
    ),
    "link.invite_relinks": "⚠️ {name} ya tiene una cuenta vinculada: al abrir el enlace, esa cuenta deja de funcionar con el bot.",
    "link.invite_relink_refused": "{name} ya tiene su cuenta vinculada, y pasarla a otra cuenta le corresponde a la Jefatura.",
}

EN = {
    "role.tecnico": "monitoring technician",
    "role.coordinador": "technical coordinator",
    "role.jefe": "head of the UTMV",
    "role.administrador": "customs administrator",
    "role.seguridad": "Ministry security technician",
    "role.direccion": "Directorate General",
    "access.foreign_group": (
        "This group is not authorised to use Vigía, so I am leaving. "
        "If this is a mistake, please contact the head of the UTMV."
    ),
    "access.unknown_private": (
        "Hello. Vigía is for the Monitoring and Video Surveillance Unit only. "
        "If you belong to the unit, ask your coordinator for an invitation link and open it here."
    ),
    "access.unknown_in_group": (
        "{name}, your Telegram account is not linked to Vigía. "
        "Ask your coordinator for an invitation link and open it in your private chat with the bot."
    ),
    "access.wrong_role": "The command /{command} is for: {roles}. Your role is {role}.",
    "access.private_only": "/{command} only works in your private chat with the bot.",
    "access.group_only": "/{command} only works in the operations group.",
    "access.flood": "Too many messages in a row; please wait a few seconds.",
    "access.forwarded_command": "A command forwarded from another chat is not run: type it yourself if you want to use it.",
    "link.linked": "Done, {name}. Your account is linked as {role}. Send /ayuda to see what you can do.",
    "link.unknown_code": "That invitation code is not valid. Check the link or ask your coordinator for a new one.",
    "link.used_code": "That invitation code was already used; each code works once. Ask your coordinator for a new one.",
    "link.expired_code": "That invitation code has expired. Ask your coordinator for a new one.",
    "link.account_taken": "This Telegram account is already linked to {name}. If this is a mistake, contact the head of the UTMV.",
    "link.welcome_back": "Hello, {name}. Your account is already linked. Send /ayuda to see what you can do.",
    "link.open_in_private": "Open your invitation link in your private chat with the bot, not in the group.",
    "link.exposed_code": (
        "The whole group has seen that invitation code, so it no longer works. "
        "Ask your coordinator for a new one and open it in your private chat with the bot."
    ),
    "link.invite_usage": "Usage: <code>/invitar &lt;person&gt;</code>, with the person's id in the configuration.\n{unlinked}",
    "link.invite_unknown": "There is no active person with the id “{key}” in the configuration.\n{unlinked}",
    "link.unlinked": "Not linked yet: {people}.",
    "link.all_linked": "Everyone in the configuration is already linked.",
    "link.invite_created": (
        "Invitation for <b>{name}</b> ({role}). It works once, until {until}:\n{link}\n\n"
        "Send it only to that person, privately: whoever opens it is linked as {name}."
    ),
    "link.invite_relinks": "⚠️ {name} already has a linked account: once the link is opened, that account stops working with the bot.",
    "link.invite_relink_refused": "{name} already has a linked account, and moving it to another one is for the head of the UTMV.",
}
