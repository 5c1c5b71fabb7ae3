"""outbox: urgent alert emails, written with the submission (transactional outbox)

A submission that is urgent adds a row here in the transaction that sends it; a sender in each
app process (or `flask notify run`) claims due rows and delivers them with retries. The row holds
no health data or contact details. A new table: ``screenings`` is not rebuilt, so its
queue-count triggers stay.

Revision ID: 1696aadf2381
Revises: a4f47bfb75fb
Create Date: 2026-12-02 14:27:07.253496

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1696aadf2381'
down_revision = 'a4f47bfb75fb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('screening_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_outbox_status_known')),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_outbox_screening_id_screenings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_screening_id'), ['screening_id'], unique=False)



def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_screening_id'))
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
