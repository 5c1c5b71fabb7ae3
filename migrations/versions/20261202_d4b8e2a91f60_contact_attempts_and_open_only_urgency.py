"""contact_attempts table; urgent first only while a submission is open

Each attempt to reach a patient (method, outcome, note, who, when) gets a row, like notes.
The staff header counts open submissions assigned to the viewer: an (assignee_id, status,
review_status) index answers that from the index alone, replacing the assignee_id index.

The queue sorted urgent submissions first forever, so months-old crisis submissions that had been
contacted sat above today's new ones. ``screenings.priority`` is now the queue's sort key: the
most urgent flag's urgency while the submission is new or in review, 99 (no priority) once it is
contacted or closed (reopening restores it from the flags). This migration applies that to the
rows already stored. Downgrade leaves priorities as they are: restoring them needs the
questionnaire's flag urgencies (the old order differs only for contacted and closed urgent rows).

No batch rebuild of ``screenings``: the queue-count triggers stay in place.

Revision ID: d4b8e2a91f60
Revises: 74a701de145f
Create Date: 2026-12-02 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4b8e2a91f60'
down_revision = '74a701de145f'
branch_labels = None
depends_on = None

NO_PRIORITY = 99  # frozen copy of the model's


def upgrade():
    op.create_table('contact_attempts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('screening_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('phone', 'email', 'text')", name=op.f('ck_contact_attempts_method_known')),
    sa.CheckConstraint("outcome IN ('reached', 'voicemail', 'no_answer', 'wrong_number')", name=op.f('ck_contact_attempts_outcome_known')),
    sa.ForeignKeyConstraint(['author_id'], ['staff_users.id'], name=op.f('fk_contact_attempts_author_id_staff_users')),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], name=op.f('fk_contact_attempts_screening_id_screenings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_attempts'))
    )
    with op.batch_alter_table('contact_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_attempts_screening_id'), ['screening_id'], unique=False)

    # The header's "Assigned to me" count, from the index alone (it replaces the plain one).
    op.create_index('ix_screenings_assignee_open', 'screenings',
                    ['assignee_id', 'status', 'review_status'], unique=False)
    op.drop_index('ix_screenings_assignee_id', table_name='screenings')

    screenings = sa.table('screenings', sa.column('priority', sa.Integer),
                          sa.column('review_status', sa.String))
    op.execute(screenings.update()
               .where(screenings.c.review_status.in_(('contacted', 'closed')))
               .values(priority=NO_PRIORITY))


def downgrade():
    op.create_index('ix_screenings_assignee_id', 'screenings', ['assignee_id'], unique=False)
    op.drop_index('ix_screenings_assignee_open', table_name='screenings')
    with op.batch_alter_table('contact_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_attempts_screening_id'))

    op.drop_table('contact_attempts')
