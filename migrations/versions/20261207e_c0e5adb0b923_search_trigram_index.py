"""search_trigram_index: the staff search finds a name, email or phone in an index (PostgreSQL)

The search looks for text anywhere in ``screenings.search_text`` (``LIKE '%alex%'``). A B-tree
cannot answer that, so a search matching few of a million submissions read the whole queue index
(1.4 s). A trigram GIN index (the pg_trgm extension, "trusted" since PostgreSQL 13: the database
owner may create it) answers it directly. SQLite has no such index and keeps its scan.

When the extension cannot be created (a role without CREATE on the database), the upgrade goes
on without the index and says so: the search is then only slower, never wrong. The models do not
describe this index (it exists on one dialect only); ``DATABASE_ONLY_INDEXES`` keeps
autogenerate from proposing to drop it.

Revision ID: c0e5adb0b923
Revises: 4c1e9b7a2f58
Create Date: 2026-12-07 23:30:00.000000

"""
import logging

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c0e5adb0b923'
down_revision = '4c1e9b7a2f58'
branch_labels = None
depends_on = None

INDEX = 'ix_screenings_search_trigrams'  # named in storage.models.base.DATABASE_ONLY_INDEXES
log = logging.getLogger('alembic.runtime.migration')


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    try:
        with bind.begin_nested():  # a savepoint: a refusal must not abort the whole upgrade
            bind.execute(sa.text('CREATE EXTENSION IF NOT EXISTS pg_trgm'))
    except sa.exc.DBAPIError as error:
        log.warning('pg_trgm could not be created (%s): the staff search works without its '
                    'index, only slower. To add it, a superuser runs CREATE EXTENSION pg_trgm, '
                    'then: CREATE INDEX %s ON screenings USING gin (search_text gin_trgm_ops)',
                    type(error.orig).__name__, INDEX)
        return
    op.create_index(INDEX, 'screenings', ['search_text'], postgresql_using='gin',
                    postgresql_ops={'search_text': 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    # The extension stays: other things in the database may use it.
    op.execute(sa.text(f'DROP INDEX IF EXISTS {INDEX}'))
