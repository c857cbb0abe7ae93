"""search consumers: each index folder's outbox watermark, so applied rows can be pruned

One new table with one row, '(pruned)', whose seq is how far the outbox has been pruned
(nothing yet); existing tables are not touched. Written by hand. An index folder registers
on its first drain after this migration; pruning only ever removes rows below the lowest
watermark of the registered folders, and a folder that finds rows it needs pruned says so
(app/search/sync.py).

Revision ID: h8c0nsumer01
Revises: f1785d7c3015
Create Date: 2026-11-28 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'h8c0nsumer01'
down_revision = 'f1785d7c3015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_consumer',
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_search_consumer')),
    )
    # The pruning horizon (highest pruned sequence number), locked by pruning and registering.
    op.execute("INSERT INTO search_consumer (name, seq, seen_at) "
               "VALUES ('(pruned)', 0, CURRENT_TIMESTAMP)")


def downgrade():
    op.drop_table('search_consumer')
