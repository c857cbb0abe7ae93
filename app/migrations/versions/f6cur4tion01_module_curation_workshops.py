"""module curation, workshop editing and freshness reminders

Adds `module_pick`, `review_reminder` and `workshop_attachment`; adds the editorial
introduction to `module` and minutes, date note and edit time to `workshop` (by hand).

Revision ID: f6cur4tion01
Revises: f1785d7c3015
Create Date: 2026-11-27 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6cur4tion01'
down_revision = 'f1785d7c3015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('module_pick',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_module_pick_added_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_module_pick_module_id_module'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_module_pick_practice_id_practice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_pick')),
    sa.UniqueConstraint('module_id', 'practice_id', name=op.f('uq_module_pick_module_id'))
    )
    with op.batch_alter_table('module_pick', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_pick_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_module_pick_practice_id'), ['practice_id'], unique=False)

    op.create_table('review_reminder',
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_review_reminder_practice_id_practice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('practice_id', name=op.f('pk_review_reminder'))
    )

    op.create_table('workshop_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['uploader_id'], ['user_account.id'], name=op.f('fk_workshop_attachment_uploader_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_attachment_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_workshop_attachment_stored_name'))
    )
    with op.batch_alter_table('workshop_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_attachment_workshop_id'), ['workshop_id'], unique=False)

    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.add_column(sa.Column('introduction', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('introduction_html', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('minutes_html', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('date_note', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
        batch_op.drop_column('date_note')
        batch_op.drop_column('minutes_html')
        batch_op.drop_column('minutes')

    with op.batch_alter_table('module', schema=None) as batch_op:
        batch_op.drop_column('introduction_html')
        batch_op.drop_column('introduction')

    with op.batch_alter_table('workshop_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_attachment_workshop_id'))
    op.drop_table('workshop_attachment')
    op.drop_table('review_reminder')
    with op.batch_alter_table('module_pick', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_pick_practice_id'))
        batch_op.drop_index(batch_op.f('ix_module_pick_module_id'))
    op.drop_table('module_pick')
