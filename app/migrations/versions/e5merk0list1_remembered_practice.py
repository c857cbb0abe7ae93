"""remembered practices: the Merkliste of signed-in people

One new table (user, practice, when); deleting either side deletes the row. Written by hand.

Revision ID: e5merk0list1
Revises: f1785d7c3015
Create Date: 2026-11-26 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5merk0list1'
down_revision = 'f1785d7c3015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'remembered_practice',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('practice_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_remembered_practice_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['practice_id'], ['practice.id'],
                                name=op.f('fk_remembered_practice_practice_id_practice'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'practice_id', name=op.f('pk_remembered_practice')),
    )
    with op.batch_alter_table('remembered_practice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remembered_practice_practice_id'),
                              ['practice_id'], unique=False)


def downgrade():
    with op.batch_alter_table('remembered_practice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_remembered_practice_practice_id'))
    op.drop_table('remembered_practice')
