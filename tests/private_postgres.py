"""A PostgreSQL cluster of a test's own, on a free loopback port, which the test may stop, start and restart.

The machine's PostgreSQL is shared with other sessions, so it is never touched: this runs the server binaries
(Debian's /usr/lib/postgresql/<version>/bin, or `pg_ctl` on PATH) on a folder of its own. initdb refuses to run as
root, so as root the cluster belongs to the `postgres` account. Nothing is meant to last (fsync off), and the
folder goes when the cluster is destroyed.

    python -m tests.private_postgres seed   # in a process whose DATABASE_URL is the cluster: see `seed()`
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests import services

NO_SERVER = "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
DATABASE = "acervo"


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl, newest version first; None when the server is not installed."""
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]), reverse=True)
    found = debian[0] if debian else shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PrivatePostgres:
    def __init__(self) -> None:
        self.bin = binaries()
        assert self.bin is not None, NO_SERVER
        self.port = services.free_port()
        # Not pytest's tmp_path: its parents are root's alone, and the server runs as `postgres`.
        self.folder = Path(tempfile.mkdtemp(prefix="acervo-pg-"))
        self.data, self.log = self.folder / "data", self.folder / "server.log"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as, str(self.bin / tool), *args], check=True, capture_output=True, timeout=60)

    def create(self) -> "PrivatePostgres":
        """initdb, start, and an empty database `acervo`."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.start()
        self.execute(f"CREATE DATABASE {DATABASE}", database="postgres")
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c synchronous_commit=off")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions are ended, as a service restart does; `immediate`: as if the server crashed."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # not running
        shutil.rmtree(self.folder, ignore_errors=True)

    def execute(self, sql: str, *params, database: str = DATABASE) -> list[tuple]:
        """Rows of one statement, on a connection of its own (the test's view of the database)."""
        import psycopg

        dsn = f"postgres://postgres@127.0.0.1:{self.port}/{database}"
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def seed(self, env: dict) -> str:
        """Migrate the database and make alice, her team and its handbook (see `seed`); returns her API token."""
        result = subprocess.run([sys.executable, "-m", "tests.private_postgres", "seed"], cwd=services.ROOT,
                                env=dict(env, DATABASE_URL=self.url), capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.strip().splitlines()[-1]


def seed() -> None:
    """In a process on the cluster: migrate, then alice (staff, a lead of the team), the team and its shared
    `handbook`, made as tests/conftest.py makes them; prints a token of alice's for the API."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import Group, User

    from tests.conftest import leads, shared_with_team
    from webapp.accounts.models import ApiToken
    from webapp.documents.models import Collection

    team = Group.objects.create(name="team")
    alice = User.objects.create_user("alice", password="alice-password", is_staff=True)
    alice.groups.add(team, leads())
    shared_with_team(Collection.objects.create(name="handbook"), team)
    print(ApiToken.issue(user=alice)[1])


if __name__ == "__main__" and sys.argv[1:] == ["seed"]:
    seed()
