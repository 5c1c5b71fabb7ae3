"""safety_answers: self-harm answers kept as first given

Each time a wizard step saves an answer named in questions.yaml's ``safety_answers`` (PHQ-9 item
9 >= 1, a plan today), a row is added here. The app only inserts: later answer changes, skip logic
and merges of ``screenings.answers`` never reach these rows (spec: "Self-harm answers that
change"). A new table, so ``screenings`` is not rebuilt and its queue-count triggers stay.

Revision ID: a4f47bfb75fb
Revises: c3e1f0b7d2a4
Create Date: 2026-12-02 14:20:40.605620

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'a4f47bfb75fb'
down_revision = 'c3e1f0b7d2a4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('safety_answers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('screening_id', sa.Uuid(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_safety_answers_screening_id_screenings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_answers'))
    )
    with op.batch_alter_table('safety_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_answers_screening_id'), ['screening_id'], unique=False)



def downgrade():
    with op.batch_alter_table('safety_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_answers_screening_id'))

    op.drop_table('safety_answers')
