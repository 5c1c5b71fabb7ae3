"""login_throttles: failed logins per (account email, address) and per address

Replaces locking a whole account after ten wrong passwords, which let anyone who knew a staff
email lock its owner out. ``staff_users.locked_until`` is no longer set.

Revision ID: 5b8e2d4f9a13
Revises: 5b8e2d41c9a7
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e2d4f9a13'
down_revision = '5b8e2d41c9a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_throttles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttles')),
        sa.UniqueConstraint('email', 'address', name=op.f('uq_login_throttles_key')),
    )


def downgrade():
    op.drop_table('login_throttles')
