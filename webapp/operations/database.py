"""The database in a backup: a consistent snapshot taken while the app runs, and its restore into an empty one.

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies the file page by page under SQLite's own
  locking, so the copy is one committed state even while the web and the worker write (WAL mode).
- PostgreSQL: `pg_dump --format=custom` (any pg_dump of the server's major version or newer; `pg_restore` of the
  same version or newer restores it). The dump runs on a snapshot exported from a REPEATABLE READ transaction
  (`pg_export_snapshot`) in which the list of documents is read too, so the list and the dump agree exactly.

`snapshot()` returns what the backup needs to know of that state: documents, their live versions and files.
"""

import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction

from webapp.documents.models import Chunk, Collection, Document

SQLITE_FILE, POSTGRES_FILE = "database.sqlite3", "database.pgdump"
ERR_NO_PG_DUMP = ("{tool} was not found on PATH: install the PostgreSQL client tools of your server's major version "
                  "or newer (Debian: apt-get install postgresql-client-NN)")
ERR_PG_TOOL = "{tool} failed ({code}): {stderr}"
ERR_ENGINE = ("this backup holds a {held} database but DATABASE_URL points at {target}: restore it with the same "
              "engine")


@dataclass(frozen=True)
class Snapshot:
    engine: str  # "sqlite" or "postgresql"
    file: str  # the file in the backup folder
    documents: list[tuple[int, str, int, str, int]]  # (id, stored file name, live version, status, chunk count)
    collections: int
    chunks: int


def engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def snapshot(dest: Path) -> Snapshot:
    """Write the database into `dest` and describe the state written."""
    return _sqlite_snapshot(dest) if engine() == "sqlite" else _postgres_snapshot(dest)


def _facts_sql() -> tuple[str, str, str]:
    d, c, k = Document._meta.db_table, Collection._meta.db_table, Chunk._meta.db_table
    return (f"SELECT id, file, version, status, chunk_count FROM {d} ORDER BY id", f"SELECT COUNT(*) FROM {c}",
            f"SELECT COUNT(*) FROM {k} AS k JOIN {d} AS d ON k.document_id = d.id AND k.version = d.version")


def _read_facts(cursor) -> tuple[list, int, int]:
    documents_sql, collections_sql, chunks_sql = _facts_sql()
    cursor.execute(documents_sql)
    documents = [(int(i), f, int(v), s, int(n)) for i, f, v, s, n in cursor.fetchall()]
    cursor.execute(collections_sql)
    collections = cursor.fetchone()[0]
    cursor.execute(chunks_sql)
    return documents, collections, cursor.fetchone()[0]


def _sqlite_snapshot(dest: Path) -> Snapshot:
    target = dest / SQLITE_FILE
    with closing(sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=30)) as source, \
            closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        documents, collections, chunks = _read_facts(copy.cursor())
    return Snapshot("sqlite", SQLITE_FILE, documents, collections, chunks)


def _postgres_snapshot(dest: Path) -> Snapshot:
    pg_dump = _tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
        facts = _read_facts(cursor)
        _pg(pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot_id}",
            f"--file={dest / POSTGRES_FILE}", _dbname())
    return Snapshot("postgresql", POSTGRES_FILE, *facts)


def is_empty() -> bool:
    """True when the configured database holds no table of ours (missing, new, or never migrated)."""
    return Document._meta.db_table not in connection.introspection.table_names()


def restore(src: Path, held: str, *, force: bool) -> None:
    """Replace the configured database with the backup's (the caller checked it is empty, or was told --force)."""
    if held != engine():
        raise ValueError(ERR_ENGINE.format(held=held, target=engine()))
    if held == "sqlite":
        connections.close_all()
        with closing(sqlite3.connect(src / SQLITE_FILE)) as source, \
                closing(sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=30)) as target:
            source.backup(target)
        return
    clean = ["--clean", "--if-exists"] if force else []
    _pg(_tool("pg_restore"), "--no-owner", "--no-privileges", *clean, f"--dbname={_dbname()}", str(src / POSTGRES_FILE))




def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(ERR_NO_PG_DUMP.format(tool=name))
    return found


def _dbname() -> str:
    """A libpq connection string for the configured database (the password travels in PGPASSWORD, see _pg)."""
    db = settings.DATABASES["default"]
    parts = {"dbname": db["NAME"], "host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER")}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def _pg(tool: str, *arguments: str) -> None:
    import os

    password = settings.DATABASES["default"].get("PASSWORD") or ""
    env = dict(os.environ, **({"PGPASSWORD": password} if password else {}))
    done = subprocess.run([tool, *arguments], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(ERR_PG_TOOL.format(tool=Path(tool).name, code=done.returncode, stderr=done.stderr[-2000:]))
