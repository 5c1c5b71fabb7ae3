"""screenings: pending_input (Post/Redirect/Get) and resume_code_hash (resume on another device)

``pending_input`` keeps what a page with errors was sent with, for the redirect that shows it;
``resume_code_hash`` is the SHA-256 of a draft's resume code (the code itself is never stored).

Both are added with plain ALTER TABLE ADD COLUMN (no batch rebuild on SQLite), so the
queue-count triggers of c3e1f0b7d2a4 stay in place; the downgrade rebuilds the table on SQLite
and re-creates them.

Revision ID: 5b8e2d41c9a7
Revises: d4b8e2a91f60
Create Date: 2026-12-02 14:40:00.000000

"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '5b8e2d41c9a7'
down_revision = 'd4b8e2a91f60'
branch_labels = None
depends_on = None


def _queue_count_triggers():
    """The module of migration c3e1f0b7d2a4 (its trigger SQL and create_triggers)."""
    path = next(Path(__file__).parent.glob('*_c3e1f0b7d2a4_*.py'))
    spec = importlib.util.spec_from_file_location('queue_count_triggers', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
        _queue_count_triggers().create_triggers()  # the rebuild dropped them
    else:
        op.drop_column('screenings', 'resume_code_hash')
        op.drop_column('screenings', 'pending_input')
