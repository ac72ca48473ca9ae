"""A throw-away PostgreSQL cluster of the test's own (initdb + pg_ctl in a temporary directory), which a
test may stop and start. Never the machine's server: its own port, its own socket directory. As
`nobody` when the tests run as root (PostgreSQL refuses to run as root), as the caller otherwise."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.ports import unassigned_port

ROLE = "vigia"


@dataclass
class Cluster:
    bin: Path
    root: Path
    port: int
    privileges: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, timeout=60, cwd=self.root, **self.privileges)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "log")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, new ones refused until `start`."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("no initdb under /usr/lib/postgresql/*/bin: the throw-away PostgreSQL cluster is skipped")
    bin_dir = Path(found[-1]).parent
    as_root = os.geteuid() == 0
    account = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.getuid())
    privileges = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if as_root else {}
    root = Path(tempfile.mkdtemp(prefix="vigia-pg-"))
    if as_root:
        os.chown(root, account.pw_uid, account.pw_gid)
    port = unassigned_port()
    cluster = Cluster(bin_dir, root, port, privileges)
    try:
        cluster._run(str(bin_dir / "initdb"), "-D", str(root / "data"), "--auth=trust", "--no-sync", "-U", ROLE)
        cluster.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"could not start a throw-away PostgreSQL cluster unprivileged: {exc} {detail[-300:]!r}")
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
