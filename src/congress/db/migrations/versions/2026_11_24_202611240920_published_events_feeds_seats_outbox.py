"""published events, feeds, agendas, seats and the outbox

Revision ID: 202611240920
Revises: 202611240720
Create Date: 2026-11-24 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '202611240920'
down_revision: str | None = '202611240720'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table('feed_token',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('congress_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('person_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['congress_id'], ['congress.id'], name=op.f('fk_feed_token_congress_id_congress'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_feed_token_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_token')),
    sa.UniqueConstraint('digest', name=op.f('uq_feed_token_digest'))
    )
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_token_congress_id'), ['congress_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_token_person_id'), ['person_id'], unique=False)
        batch_op.create_index(
            'uq_feed_token_one_active',
            ['congress_id', 'person_id'],
            unique=True,
            sqlite_where=sa.text('revoked_at IS NULL'),
            postgresql_where=sa.text('revoked_at IS NULL'),
        )

    op.create_table('outbox_message',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('congress_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('person_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('release', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attachment_name', sa.String(length=200), nullable=False),
    sa.Column('attachment', sa.Text(), nullable=False),
    sa.Column('changes', _json(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'uncertain', name='outboxstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('claimed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sent_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_message_attempts')),
    sa.ForeignKeyConstraint(['congress_id'], ['congress.id'], name=op.f('fk_outbox_message_congress_id_congress'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_outbox_message_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('congress_id', 'release', 'person_id', name='uq_outbox_release_person'),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_message_id'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_congress_id'), ['congress_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_person_id'), ['person_id'], unique=False)

    op.create_table('agenda_star',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('congress_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('person_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('item_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['congress_id'], ['congress.id'], name=op.f('fk_agenda_star_congress_id_congress'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['programme_item.id'], name=op.f('fk_agenda_star_item_id_programme_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_agenda_star_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_star')),
    sa.UniqueConstraint('person_id', 'item_id', name='uq_agenda_star_person_item')
    )
    with op.batch_alter_table('agenda_star', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_star_congress_id'), ['congress_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_star_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_star_person_id'), ['person_id'], unique=False)

    op.create_table('published_event',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('congress_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('item_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('run', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('topics', _json(), nullable=False),
    sa.Column('room_id', advanced_alchemy.types.guid.GUID(length=16), nullable=True),
    sa.Column('room_name', sa.String(length=200), nullable=False),
    sa.Column('starts_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('ends_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('faculty', _json(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('changed_in', sa.Integer(), nullable=False),
    sa.Column('changed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_published_event_sequence')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_published_event_ordered')),
    sa.ForeignKeyConstraint(['congress_id'], ['congress.id'], name=op.f('fk_published_event_congress_id_congress'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['programme_item.id'], name=op.f('fk_published_event_item_id_programme_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], name=op.f('fk_published_event_room_id_room'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_event')),
    sa.UniqueConstraint('congress_id', 'item_id', 'run', name='uq_published_event_run'),
    sa.UniqueConstraint('congress_id', 'number', name='uq_published_event_number'),
    sa.UniqueConstraint('uid', name=op.f('uq_published_event_uid'))
    )
    with op.batch_alter_table('published_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_event_congress_id'), ['congress_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_event_item_id'), ['item_id'], unique=False)

    op.create_table('published_faculty',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('event_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('person_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['published_event.id'], name=op.f('fk_published_faculty_event_id_published_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_published_faculty_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_faculty')),
    sa.UniqueConstraint('event_id', 'person_id', name='uq_published_faculty_event_person')
    )
    with op.batch_alter_table('published_faculty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_faculty_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_published_faculty_person_id'), ['person_id'], unique=False)

    op.create_table('workshop_seat',
    sa.Column('id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('congress_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('person_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('item_id', advanced_alchemy.types.guid.GUID(length=16), nullable=False),
    sa.Column('run', sa.Integer(), nullable=False),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('run >= 1', name=op.f('ck_workshop_seat_run')),
    sa.ForeignKeyConstraint(['congress_id'], ['congress.id'], name=op.f('fk_workshop_seat_congress_id_congress'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['programme_item.id'], name=op.f('fk_workshop_seat_item_id_programme_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_workshop_seat_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_seat')),
    sa.UniqueConstraint('person_id', 'item_id', name='uq_workshop_seat_person_item')
    )
    with op.batch_alter_table('workshop_seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_seat_congress_id'), ['congress_id'], unique=False)
        batch_op.create_index('ix_workshop_seat_item_run', ['item_id', 'run'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_seat_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workshop_seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_seat_person_id'))
        batch_op.drop_index('ix_workshop_seat_item_run')
        batch_op.drop_index(batch_op.f('ix_workshop_seat_congress_id'))

    op.drop_table('workshop_seat')
    with op.batch_alter_table('published_faculty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_faculty_person_id'))
        batch_op.drop_index(batch_op.f('ix_published_faculty_event_id'))

    op.drop_table('published_faculty')
    with op.batch_alter_table('published_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_event_item_id'))
        batch_op.drop_index(batch_op.f('ix_published_event_congress_id'))

    op.drop_table('published_event')
    with op.batch_alter_table('agenda_star', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_star_person_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_star_item_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_star_congress_id'))

    op.drop_table('agenda_star')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_person_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_congress_id'))
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox_message')
    with op.batch_alter_table('feed_token', schema=None) as batch_op:
        batch_op.drop_index('uq_feed_token_one_active')
        batch_op.drop_index(batch_op.f('ix_feed_token_person_id'))
        batch_op.drop_index(batch_op.f('ix_feed_token_congress_id'))

    op.drop_table('feed_token')
