"""A throwaway PostgreSQL cluster: initdb into a temporary directory, on a free port.

The fault tests restart it (the shared service must never be stopped) and use its
``max_prepared_transactions`` for two-phase commit, which the shared service may not allow.
Durability against an OS crash is switched off (fsync, full page writes) because only speed
matters here; ``synchronous_commit`` stays on, so a committed transaction survives the
``immediate`` stop (a server crash) the tests use. ``initdb`` plus start takes about a second.

initdb refuses to run as root; as root the binaries run as the ``postgres`` OS user.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

__all__ = ["ClusterUnavailable", "ThrowawayCluster", "find_bin_dir"]

StopMode = Literal["smart", "fast", "immediate"]

_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "60",
    "max_prepared_transactions": "10",
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "logging_collector": "off",
    "log_min_messages": "warning",
}


class ClusterUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing or the cluster could not start."""


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that has initdb, or ``$PG_BIN``."""
    env = os.environ.get("COVET_TEST_PG_BIN")
    if env:
        return Path(env) if (Path(env) / "initdb").exists() else None
    found: list[tuple[int, Path]] = []
    for bin_dir in Path("/usr/lib/postgresql").glob("*/bin"):
        if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists():
            try:
                found.append((int(bin_dir.parent.name), bin_dir))
            except ValueError:
                continue
    if found:
        return max(found)[1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans() -> None:
    """Stop and remove clusters left by test runs that were killed before their cleanup."""
    for base in Path("/tmp").glob("covet-pg-*"):
        try:
            owner = int((base / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        bin_dir = find_bin_dir()
        if bin_dir is not None and (base / "data" / "postmaster.pid").exists():
            orphan = ThrowawayCluster.__new__(ThrowawayCluster)
            orphan.bin_dir, orphan.base = bin_dir, base
            orphan.data, orphan.log = base / "data", base / "server.log"
            orphan.as_postgres, orphan.port = os.geteuid() == 0, 0
            orphan.destroy()
        shutil.rmtree(base, ignore_errors=True)


class ThrowawayCluster:
    """One private PostgreSQL server; ``start()``, ``restart()``, ``destroy()``."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="covet-pg-", dir="/tmp"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        if self.as_postgres:
            # The postgres user must own the directory it writes the cluster into.
            entry = pwd.getpwnam("postgres")
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        os.chmod(self.base, 0o700)

    @property
    def url(self) -> str:
        """An asyncpg-form URL to the ``postgres`` database of this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60.0) -> str:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PGTZ": "UTC"}
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=self.base,
            check=False,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise ClusterUnavailable(
                f"{' '.join(cmd)} exited with {done.returncode}:\n{done.stdout}\n"
                f"{done.stderr}\n--- server log ---\n{log}"
            )
        return done.stdout

    def init(self) -> None:
        """initdb with trust auth, then write the settings the tests need."""
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        )
        settings = {**_SETTINGS, "unix_socket_directories": f"'{self.base}'"}
        lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
        conf = self.data / "postgresql.conf"
        # Written as the owner of the file: appending as root keeps the postgres owner.
        with conf.open("a") as handle:
            handle.write("\n# covet fault tests\n" + lines)

    def start(self) -> None:
        """Start on ``self.port`` and wait until it accepts connections."""
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port}",
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: StopMode = "fast") -> None:
        """Stop the server; ``immediate`` is a crash (recovery runs at the next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self, mode: StopMode = "fast") -> None:
        """Stop, then start again on the same port: every client connection dies."""
        self.stop(mode)
        self.start()

    async def arestart(self, mode: StopMode = "fast") -> None:
        """``restart`` without blocking the event loop."""
        await asyncio.to_thread(self.restart, mode)

    def is_running(self) -> bool:
        try:
            self._run("pg_ctl", "-D", str(self.data), "status", timeout=10.0)
        except ClusterUnavailable:
            return False
        return True

    def destroy(self) -> None:
        """Stop at once (if running) and remove every file; never raises."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        except (ClusterUnavailable, subprocess.TimeoutExpired, OSError):
            pass
        shutil.rmtree(self.base, ignore_errors=True)

    @classmethod
    def create(cls) -> ThrowawayCluster:
        """Find the binaries, initdb, start; raise ClusterUnavailable with the reason."""
        reap_orphans()
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise ClusterUnavailable(
                "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin "
                "or on PATH; install the postgresql server package or set COVET_TEST_PG_BIN"
            )
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterUnavailable(
                    "running as root and there is no 'postgres' OS user to run initdb as"
                ) from None
        cluster = cls(bin_dir)
        try:
            (cluster.base / "owner.pid").write_text(str(os.getpid()))
            cluster.init()
            try:
                cluster.start()
            except ClusterUnavailable:
                # The free port may have been taken in between: one more try on another.
                cluster.port = _free_port()
                cluster.start()
        except BaseException:
            cluster.destroy()
            raise
        return cluster
