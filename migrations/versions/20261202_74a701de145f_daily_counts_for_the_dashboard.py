"""daily_counts: the dashboard's counts per clinic day, kept when retention deletes rows

The clinician dashboard reads counts per day (started, completed, sent, outcomes, score bands,
minutes to first contact) from ``daily_counts`` instead of scanning every screening, and those
counts survive ``flask purge``: the purge rolls the counts up before it deletes anything.
``daily_counts_rolled_up`` holds the one moment up to which events are counted; later events are
counted from the rows, through the two new indexes on ``screenings``.

The indexes are plain CREATE INDEX statements (no batch mode): on SQLite a batch rebuild of
``screenings`` would drop the queue-count triggers of migration c3e1f0b7d2a4.

Revision ID: 74a701de145f
Revises: 1696aadf2381
Create Date: 2026-12-02 14:31:30.191654

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '74a701de145f'
down_revision = '1696aadf2381'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'daily_counts',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('measure', sa.String(length=40), nullable=False),
        sa.Column('item', sa.String(length=64), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'measure', 'item', name=op.f('pk_daily_counts')),
    )
    op.create_table(
        'daily_counts_rolled_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('through', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_counts_rolled_up')),
    )
    op.create_index(op.f('ix_screenings_completed_at'), 'screenings', ['completed_at'],
                    unique=False)
    op.create_index(op.f('ix_screenings_created_at'), 'screenings', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_screenings_created_at'), table_name='screenings')
    op.drop_index(op.f('ix_screenings_completed_at'), table_name='screenings')
    op.drop_table('daily_counts_rolled_up')
    op.drop_table('daily_counts')
