"""Write side: ordered links, state changes, parked forms, import hashes

Revision ID: a1wr1te5ide1
Revises: f1785d7c3015
Create Date: 2026-12-01 22:30:00

Lists of an entry keep the order in which they were written (SPEC §2): each link table
gets a position, filled for existing rows in the order the pages showed them before
(taxonomy order for levers and topics, number for modules, date for workshops).
"""
import sqlalchemy as sa
from alembic import op

revision = 'a1wr1te5ide1'
down_revision = 'f1785d7c3015'
branch_labels = None
depends_on = None

# link table -> (column naming the linked row, SQL ordering the old display order)
LINKS = {
    'practice_lever': ('lever_id', 'SELECT l.id FROM lever l ORDER BY l.position, l.slug'),
    'practice_topic': ('topic_id', 'SELECT t.id FROM topic t ORDER BY t.position, t.slug'),
    'practice_module': ('module_id', 'SELECT m.id FROM module m ORDER BY m.number'),
    'practice_workshop': ('workshop_id', 'SELECT w.id FROM workshop w ORDER BY w.date, w.slug'),
    'practice_sdg': ('sdg', None),
}


def _fill_positions(connection, table: str, column: str, order_sql: str | None) -> None:
    rank = ({row[0]: i for i, row in enumerate(connection.execute(sa.text(order_sql)))}
            if order_sql else None)
    rows = connection.execute(sa.text(f'SELECT practice_id, {column} FROM {table}')).all()
    by_practice: dict[int, list] = {}
    for practice_id, linked in rows:
        by_practice.setdefault(practice_id, []).append(linked)
    update = sa.text(f'UPDATE {table} SET position = :position '
                     f'WHERE practice_id = :practice AND {column} = :linked')
    for practice_id, linked_ids in by_practice.items():
        ordered = sorted(linked_ids, key=lambda v: rank.get(v, 0) if rank else v)
        for position, linked in enumerate(ordered):
            connection.execute(update, {'position': position, 'practice': practice_id,
                                        'linked': linked})


def upgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_hash', sa.String(length=64), nullable=True))
    for table, (column, order_sql) in LINKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0',
                                          nullable=False))
        _fill_positions(op.get_bind(), table, column, order_sql)

    op.create_table('practice_state_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'],
                            name=op.f('fk_practice_state_change_actor_id_user_account'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'],
                            name=op.f('fk_practice_state_change_practice_id_practice'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_state_change'))
    )
    with op.batch_alter_table('practice_state_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_state_change_practice_id'),
                              ['practice_id'], unique=False)

    op.create_table('parked_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parked_form')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_parked_form_key_hash'))
    )
    with op.batch_alter_table('parked_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parked_form_expires_at'), ['expires_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('parked_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parked_form_expires_at'))
    op.drop_table('parked_form')
    with op.batch_alter_table('practice_state_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_state_change_practice_id'))
    op.drop_table('practice_state_change')
    for table in LINKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('position')
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('source_hash')
