"""screenings: pending_input (Post/Redirect/Get) and resume_code_hash (resume on another device)

``pending_input`` keeps what a page with errors was sent with, for the redirect that shows it;
``resume_code_hash`` is the SHA-256 of a draft's resume code (the code itself is never stored).

Both are added with plain ALTER TABLE ADD COLUMN (no batch rebuild on SQLite), so the
queue-count triggers of c3e1f0b7d2a4 stay in place; the downgrade rebuilds the table on SQLite,
which drops them, and re-creates them from its own frozen copy of their SQL (a migration never
imports another: each stays readable, and runnable, on its own).

Revision ID: 5b8e2d41c9a7
Revises: d4b8e2a91f60
Create Date: 2026-12-02 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '5b8e2d41c9a7'
down_revision = 'd4b8e2a91f60'
branch_labels = None
depends_on = None


# The SQLite queue-count triggers as migration c3e1f0b7d2a4 created them (frozen copy).
SQLITE_QUEUE_COUNT_TRIGGERS = (
    """CREATE TRIGGER screenings_queue_counts_insert AFTER INSERT ON screenings
       WHEN NEW.status = 'submitted'
       BEGIN
         UPDATE queue_counts SET submissions = submissions + 1
          WHERE review_status = NEW.review_status;
       END""",
    """CREATE TRIGGER screenings_queue_counts_delete AFTER DELETE ON screenings
       WHEN OLD.status = 'submitted'
       BEGIN
         UPDATE queue_counts SET submissions = submissions - 1
          WHERE review_status = OLD.review_status;
       END""",
    """CREATE TRIGGER screenings_queue_counts_update AFTER UPDATE OF status, review_status
       ON screenings
       WHEN OLD.status IS NOT NEW.status OR OLD.review_status IS NOT NEW.review_status
       BEGIN
         UPDATE queue_counts SET submissions = submissions - 1
          WHERE OLD.status = 'submitted' AND review_status = OLD.review_status;
         UPDATE queue_counts SET submissions = submissions + 1
          WHERE NEW.status = 'submitted' AND review_status = NEW.review_status;
       END""",
)


def upgrade():
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    op.add_column('screenings', sa.Column('pending_input', json_type, nullable=True))
    op.add_column('screenings', sa.Column('resume_code_hash', sa.String(length=64),
                                          nullable=True))
    op.create_index(op.f('ix_screenings_resume_code_hash'), 'screenings', ['resume_code_hash'],
                    unique=True)


def downgrade():
    op.drop_index(op.f('ix_screenings_resume_code_hash'), table_name='screenings')
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('screenings') as batch_op:
            batch_op.drop_column('resume_code_hash')
            batch_op.drop_column('pending_input')
        for statement in SQLITE_QUEUE_COUNT_TRIGGERS:  # the rebuild dropped them
            op.execute(statement)
    else:
        op.drop_column('screenings', 'resume_code_hash')
        op.drop_column('screenings', 'pending_input')
