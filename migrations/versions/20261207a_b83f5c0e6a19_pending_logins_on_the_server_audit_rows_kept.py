"""pending logins on the server, per-account code limit, forced password change, audit rows kept

Issue 23. A correct password waiting for its second factor becomes a row (its wrong-code count
with it, so an older cookie resets nothing); accounts get a per-account wrong-code count and a
"choose a new password" flag (set here for every account that has not set up its second factor:
choosing a new password is the proof its enrolment needs); logins keep new recovery codes until
shown once; the outbox can address a notice to a staff account. On SQLite, triggers refuse UPDATE and DELETE of audit rows (on PostgreSQL the app's
role is denied them by grants: docs/operations.md).

Revision ID: b83f5c0e6a19
Revises: e7a3c91d5b20
Create Date: 2026-12-07 14:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b83f5c0e6a19'
down_revision = 'e7a3c91d5b20'
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    'audit_events_no_update': 'BEFORE UPDATE ON audit_events',
    'audit_events_no_delete': 'BEFORE DELETE ON audit_events',
}


def upgrade():
    op.add_column('staff_users', sa.Column('must_change_password', sa.Boolean(),
                                           server_default=sa.false(), nullable=False))
    op.add_column('staff_users', sa.Column('code_failures', sa.Integer(), server_default='0',
                                           nullable=False))
    op.add_column('staff_users',
                  sa.Column('code_failures_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('staff_users',
                  sa.Column('code_limit_hit_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('staff_sessions', sa.Column('recovery_codes', sa.Text(), nullable=True))
    # Account notices (a second factor was set up) go through the outbox to the account itself.
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_outbox_user_id_staff_users'), 'staff_users',
                                    ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(op.f('ix_outbox_user_id'), ['user_id'], unique=False)
    # An account that has not set up its second factor proves itself by choosing a new password
    # first: whoever learnt the password it was given cannot enrol their own phone.
    op.execute("UPDATE staff_users SET must_change_password = true "
               "WHERE totp_enrolled_at IS NULL")
    op.create_table(
        'staff_pending_logins',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('password_mark', sa.String(length=16), nullable=False),
        sa.Column('next_target', sa.String(length=500), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('password_changed', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'],
                                name=op.f('fk_staff_pending_logins_user_id_staff_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_pending_logins')),
    )
    op.create_index(op.f('ix_staff_pending_logins_user_id'), 'staff_pending_logins',
                    ['user_id'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        for name, when in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN "
                       "SELECT RAISE(ABORT, 'audit events are append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index(op.f('ix_staff_pending_logins_user_id'), table_name='staff_pending_logins')
    op.drop_table('staff_pending_logins')
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_index(op.f('ix_outbox_user_id'))
        batch_op.drop_constraint(op.f('fk_outbox_user_id_staff_users'), type_='foreignkey')
        batch_op.drop_column('user_id')
    with op.batch_alter_table('staff_sessions') as batch_op:
        batch_op.drop_column('recovery_codes')
    with op.batch_alter_table('staff_users') as batch_op:
        batch_op.drop_column('code_limit_hit_at')
        batch_op.drop_column('code_failures_since')
        batch_op.drop_column('code_failures')
        batch_op.drop_column('must_change_password')
