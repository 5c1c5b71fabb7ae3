"""staff second factor: TOTP secret (encrypted), its last accepted step, recovery codes

Every staff login now needs a code from an authenticator app (or a single-use recovery code)
after the password. Existing accounts get no secret: they set one up at their next login.

Revision ID: e7a3c91d5b20
Revises: 5b8e2d4f9a13
Create Date: 2026-12-02 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a3c91d5b20'
down_revision = '5b8e2d4f9a13'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns: SQLite adds them in place, no table rebuild.
    op.add_column('staff_users', sa.Column('totp_secret', sa.String(length=255), nullable=True))
    op.add_column('staff_users',
                  sa.Column('totp_enrolled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('staff_users', sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.create_table(
        'staff_recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'],
                                name=op.f('fk_staff_recovery_codes_user_id_staff_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_recovery_codes')),
        sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_staff_recovery_codes_code')),
    )
    op.create_index(op.f('ix_staff_recovery_codes_user_id'), 'staff_recovery_codes', ['user_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_staff_recovery_codes_user_id'), table_name='staff_recovery_codes')
    op.drop_table('staff_recovery_codes')
    with op.batch_alter_table('staff_users') as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enrolled_at')
        batch_op.drop_column('totp_secret')
