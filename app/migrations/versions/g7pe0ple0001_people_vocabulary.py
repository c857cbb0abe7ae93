"""people and vocabulary: invitations, synonym groups in the database, merged municipalities

Four new tables; existing tables are not touched. Written by hand. The synonym groups are
seeded from app/search/data/synonyms.txt by `flask init` (app/seed.py), not here.

Revision ID: g7pe0ple0001
Revises: f1785d7c3015
Create Date: 2026-11-27 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'g7pe0ple0001'
down_revision = 'f1785d7c3015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('accepted_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'],
                                name=op.f('fk_invitation_invited_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                                name=op.f('fk_invitation_municipality_id_municipality'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash')),
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_email'), ['email'], unique=False)

    op.create_table(
        'municipality_redirect',
        sa.Column('old_slug', sa.String(length=100), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                                name=op.f('fk_municipality_redirect_municipality_id_municipality'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('old_slug', name=op.f('pk_municipality_redirect')),
    )
    with op.batch_alter_table('municipality_redirect', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_redirect_municipality_id'),
                              ['municipality_id'], unique=False)

    op.create_table(
        'synonym_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('section', sa.String(length=120), nullable=False),
        sa.Column('terms', sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_synonym_group')),
    )
    with op.batch_alter_table('synonym_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_synonym_group_position'), ['position'],
                              unique=False)

    op.create_table(
        'synonym_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_synonym_version')),
    )


def downgrade():
    op.drop_table('synonym_version')
    with op.batch_alter_table('synonym_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_synonym_group_position'))
    op.drop_table('synonym_group')
    with op.batch_alter_table('municipality_redirect', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_redirect_municipality_id'))
    op.drop_table('municipality_redirect')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_email'))
    op.drop_table('invitation')
