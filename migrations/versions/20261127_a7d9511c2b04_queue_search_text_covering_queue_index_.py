"""queue: search_text, covering queue index, status counts index

The staff search looked in three lower()-ed columns of every row; one lower-cased search_text
column, carried in the queue index, lets a search check the index instead of the table. The
status counts get their own index, and the queue index gains id (the keyset tie-breaker) so
deep pages never sort.

Revision ID: a7d9511c2b04
Revises: 6623a1631c7c
Create Date: 2026-11-27 07:32:55.534194

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d9511c2b04'
down_revision = '6623a1631c7c'
branch_labels = None
depends_on = None

QUEUE_COLUMNS = ['status', 'priority', 'submitted_at', 'id', 'review_status', 'search_text']
BATCH = 1000


def _search_text(name, email, phone):
    # A frozen copy of screener.storage.models.screening.search_text_for: migrations must not change
    # when application code does.
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    parts = (name or "", email or "", phone or "", digits)
    return " ".join(part.strip().lower() for part in parts if part)[:700]


def _backfill():
    screenings = sa.table(
        'screenings', sa.column('id', sa.Uuid()), sa.column('contact_name', sa.String()),
        sa.column('contact_email', sa.String()), sa.column('contact_phone', sa.String()),
        sa.column('search_text', sa.String()), sa.column('status', sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(screenings.c.id, screenings.c.contact_name, screenings.c.contact_email,
                  screenings.c.contact_phone)
        .where(screenings.c.status == 'submitted')
    ).all()
    statement = (sa.update(screenings).where(screenings.c.id == sa.bindparam('row_id'))
                 .values(search_text=sa.bindparam('text')))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        bind.execute(statement, [
            {'row_id': row.id, 'text': _search_text(row.contact_name, row.contact_email,
                                                    row.contact_phone)}
            for row in chunk
        ])


def upgrade():
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.String(length=700), nullable=False,
                                      server_default=''))
    _backfill()
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.alter_column('search_text', server_default=None)
        batch_op.drop_index(batch_op.f('ix_screenings_queue'))
        batch_op.create_index('ix_screenings_queue', QUEUE_COLUMNS, unique=False)
        batch_op.create_index('ix_screenings_status_review', ['status', 'review_status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_screenings_status_review')
        batch_op.drop_index('ix_screenings_queue')
        batch_op.create_index(batch_op.f('ix_screenings_queue'),
                              ['status', 'priority', 'submitted_at'], unique=False)
        batch_op.drop_column('search_text')
