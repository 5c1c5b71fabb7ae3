"""kept_notes: a note typed while the login had timed out, kept for its author's next login

A new table of its own (self-contained: nothing else changes), so it re-chains after the other
branches' revisions without touching them.

Revision ID: f25c7a0d3e91
Revises: 82d559fa3d70
Create Date: 2026-12-07 14:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f25c7a0d3e91'
down_revision = '82d559fa3d70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kept_notes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('kept_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('note', 'attempt')", name=op.f('ck_kept_notes_kind_known')),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_kept_notes_screening_id_screenings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_kept_notes_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_notes'))
    )
    with op.batch_alter_table('kept_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_notes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kept_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_notes_user_id'))

    op.drop_table('kept_notes')
