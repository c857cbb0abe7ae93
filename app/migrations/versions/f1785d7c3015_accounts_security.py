"""accounts security: sign-in throttle, one-time password links, audit log

Adds three new tables only; existing tables are not touched (reviewed by hand).

Revision ID: f1785d7c3015
Revises: e086f02684df
Create Date: 2026-11-25 12:04:14.346315

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1785d7c3015'
down_revision = 'e086f02684df'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auth_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_failure'))
    )
    with op.batch_alter_table('auth_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_failure_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_auth_failure_scope_key_created', ['scope', 'key', 'created_at'], unique=False)

    op.create_table('password_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_password_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_token_token_hash'))
    )
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_token_user_id'), ['user_id'], unique=False)

    op.create_table('security_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('target', sa.String(length=300), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_security_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_event'))
    )
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_event_created_at'), ['created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_event_created_at'))
        batch_op.drop_index(batch_op.f('ix_security_event_action'))

    op.drop_table('security_event')
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_token_user_id'))

    op.drop_table('password_token')
    with op.batch_alter_table('auth_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_auth_failure_scope_key_created')
        batch_op.drop_index(batch_op.f('ix_auth_failure_created_at'))

    op.drop_table('auth_failure')
