"""account profile: default contact role and phone of a user

Adds two nullable columns to user_account; nothing else is touched (written by hand).

Revision ID: b2acc0unt5ma
Revises: f1785d7c3015
Create Date: 2026-11-26 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b2acc0unt5ma'
down_revision = 'f1785d7c3015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_role', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('phone')
        batch_op.drop_column('contact_role')
