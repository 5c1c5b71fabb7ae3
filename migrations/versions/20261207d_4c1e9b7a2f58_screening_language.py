"""screening_language: the language a patient screened in (issue 27)

One column with a default, so every existing draft and submission reads "en".

Revision ID: 4c1e9b7a2f58
Revises: f25c7a0d3e91
Create Date: 2026-12-07 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '4c1e9b7a2f58'
down_revision = 'f25c7a0d3e91'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_column('language')
