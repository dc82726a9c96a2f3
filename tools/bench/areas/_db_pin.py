"""Keep the PostgreSQL backends of this run's connections off the client's CPU.

With ``--cpu N`` the client runs on one CPU; the server backends serving its
connections float, and on a 2-CPU machine the scheduler sometimes puts one on the
client's CPU for a while. Each implementation has its own connections, so that
penalises one implementation and not the others, for a whole run: the largest error
in the D1 and D5 ratios. Before each timed sample, the backends whose client port is a
socket of this process are pinned to the other CPUs.

Only the backends of this process's own connections are touched (they end when it
disconnects), only on a server on this machine, and only when the client is pinned;
without the permission to do so (CAP_SYS_NICE for another user's process), the run
goes on unpinned and says so in its report.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["ServerPinning"]


def _own_tcp_ports() -> set[int]:
    """Local TCP ports of this process's sockets."""
    inodes: set[str] = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports: set[int] = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


class ServerPinning:
    """``await pinning(admin)`` before a sample; ``status`` for the report."""

    def __init__(self) -> None:
        self.status = "no (the client is not pinned: use --cpu N)"
        self._others: set[int] | None = None
        self._failed = False
        mine = os.sched_getaffinity(0)
        every = set(range(os.cpu_count() or 1))
        if mine != every and os.path.exists("/proc/self/net/tcp"):
            self._others = every - mine
            self.status = f"yes, to CPU(s) {', '.join(map(str, sorted(self._others)))}"

    async def __call__(self, admin: Any, host: str | None) -> None:
        if self._others is None or self._failed:
            return
        if host not in ("127.0.0.1", "localhost", "::1"):
            self._others = None
            self.status = f"no (the server at {host} is not on this machine)"
            return
        rows = await admin.fetch(
            "SELECT pid, client_port FROM pg_stat_activity WHERE client_port > 0"
        )
        ports = _own_tcp_ports()
        for pid, port in rows:
            if port in ports:
                try:
                    os.sched_setaffinity(pid, self._others)
                except OSError as exc:
                    self._failed = True
                    self.status = f"no (cannot set a backend's CPU affinity: {exc.strerror})"
                    return
