"""The database engine, sessions and migrations.

SQLite (the embedded default) runs in WAL mode: readers never block the writer, and a
committed transaction survives the process being killed. PostgreSQL comes in through
``DATABASE_URL``. The schema is Alembic's: ``upgrade()`` runs on start and from
``vidpay db upgrade``.

Nothing may wait forever: SQLite waits ``BUSY_SECONDS`` for the write lock, PostgreSQL
``LOCK_TIMEOUT`` for a row lock and ``STATEMENT_TIMEOUT`` for a statement, and a connection
left idle inside a transaction is ended. The pool holds a connection for every thread that
serves requests, so a request never waits for a connection another request holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


BUSY_SECONDS = 10  # SQLite: how long a writer waits for the write lock
LOCK_TIMEOUT = "5s"  # PostgreSQL: how long a statement waits for a row lock
STATEMENT_TIMEOUT = "60s"
IDLE_IN_TRANSACTION_TIMEOUT = "60s"
# Request threads (anyio's default limiter) plus the event writer, webhook dispatcher and renders.
POOL_SIZE = 40
POOL_OVERFLOW = 20
IMMEDIATE = "vidpay_immediate"  # execution option: begin the transaction holding the write lock


def make_engine(url: str, *, pooled: bool = True) -> Engine:
    """An engine for ``url``; ``pooled=False`` for one-off work such as migrations."""
    pooling: dict[str, Any] = {"poolclass": NullPool}
    if pooled:
        pooling = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_timeout": 30}
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS}, **pooling)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options = (
        f"-c lock_timeout={LOCK_TIMEOUT} -c statement_timeout={STATEMENT_TIMEOUT} "
        f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT}"
    )
    if pooled:
        pooling["pool_pre_ping"] = True
    return create_engine(url, connect_args={"options": options}, **pooling)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process kills
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """``BEGIN IMMEDIATE`` for a transaction that asked for it (``IMMEDIATE``).

    The driver begins a transaction by itself only at the first write, so a read-then-write
    transaction takes the write lock late; if another writer committed in between, SQLite
    refuses at once instead of waiting. A commitment takes the lock first, waiting its turn.
    """
    if connection.get_execution_options().get(IMMEDIATE):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed at the end of the block, or rolled back on error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the schema up to date (idempotent)."""
    command.upgrade(alembic_config(url), "head")


def insert_new(session: Session, model: type[DeclarativeBase], unique: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (unique) DO NOTHING`` in the session's dialect: rows already
    stored are left as they are (add ``.values`` or pass rows, and ``.returning``)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    insert = postgresql_insert if postgresql else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=unique)
