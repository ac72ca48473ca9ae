"""Ports for test servers that are stopped and started again on the same port, or bound later by
another process (an outage, a restart, the webhook server of `vigia run`).

A port the kernel hands out with bind(("127.0.0.1", 0)) comes from its ephemeral range, the same
range every outgoing connection takes its own port from: in the gap before the server binds it
again, a connection of this test (or of another pytest worker) may hold it, and the server fails to
start. A port below that range is never given to a connection, so it stays free for its server.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 10_000  # below this, well-known and registered services of the machine


def unassigned_port() -> int:
    """A local port nothing listens on, below the kernel's ephemeral range."""
    first_ephemeral = int(EPHEMERAL_RANGE.read_text().split()[0]) if EPHEMERAL_RANGE.exists() else 32_768
    for port in random.sample(range(LOWEST, first_ephemeral), 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port between {LOWEST} and {first_ephemeral}")
