"""The schema: migrations build it on SQLite and PostgreSQL, and match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app.db import make_engine, upgrade
from app.models import Base


def test_migrations_build_the_models_schema_and_rerun_safely(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # a second start changes nothing
    engine = make_engine(database_url, pooled=False)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []
        assert {"campaign", "debtor", "event", "outcome", "installment", "payment"} <= set(
            inspect(connection).get_table_names()
        )
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/wal.db"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
