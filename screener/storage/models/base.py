"""Declarative base: naming convention for constraints and a timezone-aware UTC datetime type."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; SQLite (which keeps no zone) gets UTC attached on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use an aware UTC datetime")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


# JSON everywhere; JSONB on PostgreSQL (smaller, indexable).
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


# Indexes a migration makes on one dialect only, which the models do not describe: the trigram
# index of the staff search (PostgreSQL; migrations/versions/20261207e_c0e5adb0b923_...).
DATABASE_ONLY_INDEXES = frozenset({"ix_screenings_search_trigrams"})


def include_in_comparison(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic autogenerate hook: leave out the database-only indexes (never "removed")."""
    return not (type_ == "index" and reflected and name in DATABASE_ONLY_INDEXES)


def render_migration_item(type_, obj, autogen_context):
    """Alembic autogenerate hook: write our UTCDateTime as a plain timezone-aware DateTime."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
