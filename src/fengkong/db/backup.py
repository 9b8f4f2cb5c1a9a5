"""Backups of the database, and restoring one (`fengkong db backup` / `fengkong db restore`).

A backup is one tar file holding the copy of the database and `manifest.json`, which says what
the copy is: the dialect, the schema revisions, the audit chain's head (seq and hash) and record
count, and when it was taken. The copy is consistent while the platform runs:

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies the pages of one read
  transaction; the manifest is read from the copy itself.
- PostgreSQL: the manifest is read in a repeatable-read transaction whose snapshot is exported
  and handed to `pg_dump --format=custom --snapshot=…`, so the dump holds exactly what the
  manifest describes. `pg_restore --clean --if-exists` restores it.

Only the database is in a backup: the personal-data key ring (`keys.json`), model artifacts and
any audit signing key are files, to be backed up on their own (`outside_the_database`).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from fengkong.core.errors import FieldError, Invalid

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
PG_MEMBER = "database.pgdump"
SEARCH_PATH = "-csearch_path="
PG_INSTALLS = Path("/usr/lib/postgresql")  # Debian's clusters: VERSION/bin/pg_dump


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a backup holds."""

    format: int
    dialect: str
    schema_revisions: tuple[str, ...]
    audit_seq: int
    audit_hash: str
    audit_records: int
    created_at: str  # ISO 8601, from the caller's clock
    pg_schema: str | None = None  # the PostgreSQL schema dumped, when the URL names one

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "schema_revisions": list(self.schema_revisions)}

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Manifest:
        return cls(**{**doc, "schema_revisions": tuple(doc["schema_revisions"])})


def _state(conn: sa.Connection) -> tuple[tuple[str, ...], int, str, int]:
    """(schema revisions, audit head seq, head hash, audit record count) as `conn` sees them."""
    names = set(sa.inspect(conn).get_table_names())
    revisions: tuple[str, ...] = ()
    if "alembic_version" in names:
        rows = conn.execute(sa.text("select version_num from alembic_version")).scalars()
        revisions = tuple(sorted(rows))
    seq, digest, count = 0, "", 0
    if "audit_head" in names:
        head = conn.execute(sa.text("select seq, hash from audit_head where id = 1")).first()
        if head is not None:
            seq, digest = int(head[0]), str(head[1])
    if "audit_log" in names:
        count = int(conn.execute(sa.text("select count(*) from audit_log")).scalar_one())
    return revisions, seq, digest, count


def database_state(url: str) -> dict[str, Any]:
    """The restored (or any) database's revisions, audit head and count, and how many tables."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            revisions, seq, digest, count = _state(conn)
            tables = len(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()
    return {
        "schema_revisions": list(revisions),
        "audit_seq": seq,
        "audit_hash": digest,
        "audit_records": count,
        "tables": tables,
    }


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise Invalid(
            (FieldError(("database_url",), "an in-memory SQLite has nothing to back up"),)
        )
    return Path(url.database)


def _pg_schema(url: URL) -> str | None:
    """The schema a `options=-csearch_path=NAME` URL works in (tests, one-schema setups)."""
    options = url.query.get("options")
    text = options if isinstance(options, str) else " ".join(options or ())
    for part in text.split():
        if part.startswith(SEARCH_PATH):
            return part[len(SEARCH_PATH) :].split(",")[0].strip('"') or None
    return None


def pg_tool(name: str) -> str:
    """The path of `pg_dump` / `pg_restore`: on PATH, else the newest Debian cluster's; `Invalid`
    (exit 2) naming what to install when there is none."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(PG_INSTALLS.glob(f"*/bin/{name}"), reverse=True)
    if installed:
        return str(installed[0])
    raise Invalid(
        (
            FieldError(
                (name,),
                f"{name} was not found on PATH: install the PostgreSQL client tools of the "
                "server's major version or newer (Debian/Ubuntu: postgresql-client-15)",
                "missing_tool",
            ),
        )
    )


def _pg_env(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools (the password through the environment)."""
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise Invalid(
            (
                FieldError(
                    (Path(command[0]).name,),
                    f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}",
                    "tool_failed",
                ),
            )
        )


def backup(url_text: str, out: Path, now: datetime) -> Manifest:
    """Copy the database at `url_text` into the tar file `out` (created; an existing file is
    replaced only once the new one is complete) and return its manifest."""
    url = make_url(url_text)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as work:
        if url.get_backend_name() == "sqlite":
            copy = Path(work) / SQLITE_MEMBER
            manifest = _backup_sqlite(_sqlite_file(url), copy, now)
        elif url.get_backend_name() == "postgresql":
            copy = Path(work) / PG_MEMBER
            manifest = _backup_pg(url, copy, now)
        else:
            raise Invalid((FieldError(("database_url",), f"cannot back up {url.drivername}"),))
        partial = Path(work) / "backup.tar"
        with tarfile.open(partial, "w") as tar:
            body = json.dumps(manifest.as_dict(), indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(now.timestamp())
            tar.addfile(info, io.BytesIO(body))
            tar.add(copy, arcname=copy.name)
        os.replace(partial, out)
    return manifest


def _backup_sqlite(source: Path, copy: Path, now: datetime) -> Manifest:
    if not source.exists():
        raise Invalid((FieldError(("database_url",), f"no database file at {source}"),))
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    engine = sa.create_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as conn:
            revisions, seq, digest, count = _state(conn)
    finally:
        engine.dispose()
    return Manifest(FORMAT, "sqlite", revisions, seq, digest, count, now.isoformat())


def _backup_pg(url: URL, copy: Path, now: datetime) -> Manifest:
    dump = pg_tool("pg_dump")
    schema = _pg_schema(url)
    args, env = _pg_env(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(sa.text("select pg_export_snapshot()")).scalar_one()
                revisions, seq, digest, count = _state(conn)
                command = [dump, *args, "--format=custom", f"--snapshot={snapshot}"]
                command += ["--file", str(copy), "--dbname", str(url.database)]
                if schema:
                    command += ["--schema", schema]
                _run(command, env)  # while the exported snapshot's transaction stays open
    finally:
        engine.dispose()
    return Manifest(
        FORMAT, "postgresql", revisions, seq, digest, count, now.isoformat(), pg_schema=schema
    )


@contextmanager
def opened(path: Path) -> Iterator[tuple[Manifest, Path]]:
    """The manifest of the backup at `path` and its database copy, unpacked in a temporary
    directory; `Invalid` if the file is not a backup."""
    try:
        readable = tarfile.is_tarfile(path)
    except OSError as exc:
        raise Invalid((FieldError(("path",), f"not a readable backup: {exc}"),)) from None
    if not readable:
        raise Invalid((FieldError(("path",), f"not a readable backup: {path} is no tar file"),))
    with tarfile.open(path, "r") as tar, tempfile.TemporaryDirectory() as work:
        try:
            manifest = Manifest.of(json.loads(tar.extractfile(MANIFEST).read()))  # type: ignore[union-attr]
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise Invalid((FieldError(("path",), f"no valid {MANIFEST}: {exc}"),)) from None
        if manifest.format != FORMAT:
            raise Invalid((FieldError(("path",), f"backup format {manifest.format} unknown"),))
        member = SQLITE_MEMBER if manifest.dialect == "sqlite" else PG_MEMBER
        stored = tar.extractfile(member) if member in tar.getnames() else None
        if stored is None:
            raise Invalid((FieldError(("path",), f"the backup holds no {member}"),))
        copy = Path(work) / member  # a fixed name: nothing in the file chooses where it lands
        with stored, copy.open("wb") as target:
            shutil.copyfileobj(stored, target)
        yield manifest, copy


def restore(path: Path, url_text: str, *, overwrite: bool) -> Manifest:
    """Restore the backup at `path` into the database at `url_text`, which must be of the
    backup's dialect; a database holding any table is refused unless `overwrite`."""
    url = make_url(url_text)
    with opened(path) as (manifest, copy):
        if manifest.dialect != url.get_backend_name():
            raise Invalid(
                (
                    FieldError(
                        ("path",),
                        f"a {manifest.dialect} backup cannot be restored into "
                        f"{url.get_backend_name()}",
                    ),
                )
            )
        if not overwrite and (url.get_backend_name() != "sqlite" or _sqlite_file(url).exists()):
            tables = database_state(url_text)["tables"]
            if tables:
                raise Invalid(
                    (
                        FieldError(
                            ("yes",),
                            f"the database holds {tables} tables: pass --yes to replace them "
                            "with the backup",
                            "not_empty",
                        ),
                    )
                )
        if manifest.dialect == "sqlite":
            target = _sqlite_file(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            src = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # replaces every page, WAL included, in one transaction
            finally:
                src.close()
                dst.close()
        else:
            args, env = _pg_env(url)
            command = [pg_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner"]
            command += ["--exit-on-error", "--dbname", str(url.database), str(copy)]
            _run(command, env)
    return manifest
