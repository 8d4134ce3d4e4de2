"""Schema migrations (Alembic) driven from the tracker's own settings, no alembic.ini needed."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from tracker import paths
from tracker.db import Base


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(paths.migrations()))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    config.attributes["engine"] = engine
    return config


def _run(engine: Engine, action: str, revision: str) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; a no-op when it is there already."""
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)


def heads(engine: Engine) -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


# The full-text search index (migration 0003) is made of tables Alembic cannot model: FTS5
# virtual tables and their shadow tables on SQLite, tables with a generated tsvector column and a
# GIN index on PostgreSQL. They are kept by database triggers, not by the models, so
# autogenerate must not see them (it would propose to drop them).
SEARCH_INDEX_PREFIX = "search_"


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's filter: leave the search index tables out of the comparison with the models."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_INDEX_PREFIX))


def differences(engine: Engine) -> list[object]:
    """What autogenerate would change: empty when the models and the migrations agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": include_name,
            },
        )
        return list(compare_metadata(context, Base.metadata))
