"""receipts, retired_tokens and screenings.reference: what a device keeps after sending

At send the draft's token stops opening the screening: the sending device keeps a receipt
(reference, time sent, whether crisis resources lead), and the old token is remembered only as
"sent" (or "moved", when a resume code opened the screening elsewhere), with no link to the
screening. ``screenings.reference`` is the short code patients quote when calling. The column
is added without rebuilding ``screenings`` (its queue-count triggers stay).

Revision ID: 82d559fa3d70
Revises: b83f5c0e6a19 (re-chained after issue 23's staff migration)
Create Date: 2026-12-07 14:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '82d559fa3d70'
down_revision = 'b83f5c0e6a19'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('receipts',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('crisis_first', sa.Boolean(), nullable=False),
    sa.Column('printable_pending', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_receipts'))
    )
    op.create_index(op.f('ix_receipts_expires_at'), 'receipts', ['expires_at'], unique=False)
    op.create_table('retired_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=8), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('sent', 'moved')", name=op.f('ck_retired_tokens_reason_known')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_retired_tokens'))
    )
    op.create_index(op.f('ix_retired_tokens_expires_at'), 'retired_tokens', ['expires_at'],
                    unique=False)
    # Plain add_column, not batch: on SQLite a batch would rebuild screenings and drop triggers.
    op.add_column('screenings', sa.Column('reference', sa.String(length=16), nullable=True))
    op.create_index(op.f('ix_screenings_reference'), 'screenings', ['reference'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_screenings_reference'), table_name='screenings')
    op.drop_column('screenings', 'reference')
    op.drop_index(op.f('ix_retired_tokens_expires_at'), table_name='retired_tokens')
    op.drop_table('retired_tokens')
    op.drop_index(op.f('ix_receipts_expires_at'), table_name='receipts')
    op.drop_table('receipts')
