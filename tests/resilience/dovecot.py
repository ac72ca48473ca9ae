"""A Dovecot of this test's own, which the test may stop and start again on the same port.

The session's `dovecot` fixture (tests/mail_servers.py) is shared by every mail test, so stopping it
would break the others. This one is set up the same way (same configuration, socket activation, as
`nobody` when the tests run as root) in its own directory; the maildirs survive a stop.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.mail_servers import DOVECOT, DOVECOT_CONF, IMAP_PASSWORD, SOCKET_ACTIVATION
from tests.ports import unassigned_port

USER = "vigia1"


@dataclass
class OwnDovecot:
    root: Path
    port: int = 0
    process: subprocess.Popen | None = None
    privileges: dict[str, Any] = field(default_factory=dict)

    def start(self) -> None:
        """Listen (on the same port as before, if any) and hand the socket to a new Dovecot."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        fd = listener.fileno()
        self.process = subprocess.Popen(
            ["/bin/bash", "-c", SOCKET_ACTIVATION.format(fd=fd), DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **self.privileges,
        )
        listener.close()

    def stop(self) -> None:
        """An outage: Dovecot exits, and connections to its port are refused until `start`."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def own_dovecot() -> Iterator[OwnDovecot]:
    if not Path(DOVECOT).exists():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd, as .ci/run does)")
    as_root = os.geteuid() == 0
    account = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.getuid())
    root = Path(tempfile.mkdtemp(prefix="vigia-dovecot-resilience-"))
    server = OwnDovecot(root)
    if as_root:
        server.privileges = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    server.port = unassigned_port()
    (root / "dovecot.conf").write_text(
        DOVECOT_CONF.format(
            root=root,
            port=server.port,
            uid=account.pw_uid,
            gid=account.pw_gid,
            user=account.pw_name,
            group=grp.getgrgid(account.pw_gid).gr_name,
        ),
        encoding="utf-8",
    )
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{IMAP_PASSWORD}\n", encoding="utf-8")
    if as_root:
        for path in (root, root / "dovecot.conf", root / "passwd"):
            os.chown(path, account.pw_uid, account.pw_gid)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
