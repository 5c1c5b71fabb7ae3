"""queue_counts: submissions per review status, kept by triggers on screenings

The staff queue shows how many submissions are in each review status. Counting them scanned an
index entry per submission on every queue page (7.7 ms of a 16 ms first page at 100,000); these
four rows are kept exact by database triggers, so every way a screening is written (the app, the
seeder, a purge, a hand-run SQL fix) keeps them right.

SQLite: a batch migration that rebuilds the screenings table drops its triggers. A later
migration that alters screenings in batch mode must re-create them from a copy of the SQL of its
own (as 5b8e2d41c9a7's downgrade does; migrations never import each other);
tests/web/test_queue_counts.py fails if they are missing.

Revision ID: c3e1f0b7d2a4
Revises: a7d9511c2b04
Create Date: 2026-11-27 10:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e1f0b7d2a4'
down_revision = 'a7d9511c2b04'
branch_labels = None
depends_on = None

REVIEW_STATUSES = ('new', 'in_review', 'contacted', 'closed')  # frozen copy of the model's

SQLITE_TRIGGERS = (
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
SQLITE_DROP = tuple(f"DROP TRIGGER IF EXISTS screenings_queue_counts_{event}"
                    for event in ("insert", "delete", "update"))

POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION screenings_queue_counts() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP <> 'INSERT' THEN
           IF OLD.status = 'submitted' THEN
             UPDATE queue_counts SET submissions = submissions - 1
              WHERE review_status = OLD.review_status;
           END IF;
         END IF;
         IF TG_OP <> 'DELETE' THEN
           IF NEW.status = 'submitted' THEN
             UPDATE queue_counts SET submissions = submissions + 1
              WHERE review_status = NEW.review_status;
           END IF;
         END IF;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER screenings_queue_counts_insert AFTER INSERT ON screenings
       FOR EACH ROW WHEN (NEW.status = 'submitted')
       EXECUTE FUNCTION screenings_queue_counts()""",
    """CREATE TRIGGER screenings_queue_counts_delete AFTER DELETE ON screenings
       FOR EACH ROW WHEN (OLD.status = 'submitted')
       EXECUTE FUNCTION screenings_queue_counts()""",
    """CREATE TRIGGER screenings_queue_counts_update AFTER UPDATE OF status, review_status
       ON screenings FOR EACH ROW
       WHEN (OLD.status IS DISTINCT FROM NEW.status
             OR OLD.review_status IS DISTINCT FROM NEW.review_status)
       EXECUTE FUNCTION screenings_queue_counts()""",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS screenings_queue_counts_update ON screenings",
    "DROP TRIGGER IF EXISTS screenings_queue_counts_delete ON screenings",
    "DROP TRIGGER IF EXISTS screenings_queue_counts_insert ON screenings",
    "DROP FUNCTION IF EXISTS screenings_queue_counts()",
)


def _statements(create: bool) -> tuple[str, ...]:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    if create:
        return POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS
    return POSTGRESQL_DROP if postgresql else SQLITE_DROP


def create_triggers():
    for statement in _statements(create=True):
        op.execute(statement)


def drop_triggers():
    for statement in _statements(create=False):
        op.execute(statement)


def upgrade():
    counts = op.create_table(
        'queue_counts',
        sa.Column('review_status', sa.String(length=16), nullable=False),
        sa.Column('submissions', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('review_status', name=op.f('pk_queue_counts')),
    )
    screenings = sa.table('screenings', sa.column('status', sa.String()),
                          sa.column('review_status', sa.String()))
    bind = op.get_bind()
    # Taken in the same transaction as the triggers are created (PostgreSQL runs migrations
    # in one transaction; on SQLite the migration holds the write lock), so no write is missed.
    existing = dict(bind.execute(
        sa.select(screenings.c.review_status, sa.func.count())
        .where(screenings.c.status == 'submitted').group_by(screenings.c.review_status)
    ).all())
    op.bulk_insert(counts, [{'review_status': status, 'submissions': existing.get(status, 0)}
                            for status in REVIEW_STATUSES])
    create_triggers()


def downgrade():
    drop_triggers()
    op.drop_table('queue_counts')
