"""experience reports: outcome, adopting entry, last change

Adds three nullable columns to experience_report (an index and a foreign key to practice,
SET NULL) and touches nothing else (written by hand). Hiding a report uses the existing
`publication` column ("published" / "hidden").

Revision ID: d4rep0rts001
Revises: f1785d7c3015
Create Date: 2026-11-26 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4rep0rts001'
down_revision = 'f1785d7c3015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('experience_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('adopted_practice_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_experience_report_adopted_practice_id'),
                              ['adopted_practice_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_experience_report_adopted_practice_id_practice'),
            'practice', ['adopted_practice_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('experience_report', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_experience_report_adopted_practice_id_practice'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_experience_report_adopted_practice_id'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('adopted_practice_id')
        batch_op.drop_column('outcome')
