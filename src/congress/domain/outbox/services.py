"""Rules for the outbox: organisers read every message of their congress and may requeue one.

Requeueing is an organiser's decision for a message that failed for good or
whose fate is unknown (a sender stopped while sending: it may have gone out);
the sender never resends such a message by itself.
"""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import Congress, OutboxMessage
from congress.domain.outbox.schemas import OutboxMessageRead, OutboxRead
from congress.enums import OutboxStatus
from congress.lib.errors import Conflict, NotFound
from congress.lib.queries import get_or_404, paginate, zone
from congress.lib.security import Principal
from congress.publishing.mailer import requeue


def _fields(m: OutboxMessage, tz: zoneinfo.ZoneInfo) -> dict[str, Any]:
    return {
        "id": m.id,
        "congress_id": m.congress_id,
        "person_id": m.person_id,
        "release": m.release,
        "recipient": m.recipient,
        "subject": m.subject,
        "status": m.status,
        "attempts": m.attempts,
        "next_attempt_at": m.next_attempt_at.astimezone(tz),
        "sent_at": m.sent_at.astimezone(tz) if m.sent_at else None,
        "last_error": m.last_error,
        "message_id": m.message_id,
        "changes": m.changes,
    }


@dataclass(slots=True)
class OutboxService:
    session: AsyncSession
    principal: Principal | None

    async def _zone(self, congress_id: uuid.UUID) -> zoneinfo.ZoneInfo:
        return zone((await get_or_404(self.session, Congress, congress_id)).time_zone)

    async def search(
        self,
        congress_id: uuid.UUID,
        limit: int,
        offset: int,
        status: OutboxStatus | None,
        person_id: uuid.UUID | None,
        release: int | None,
    ) -> tuple[list[OutboxRead], int]:
        tz = await self._zone(congress_id)
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.congress_id == congress_id)
            .order_by(OutboxMessage.release.desc(), OutboxMessage.recipient, OutboxMessage.id)
        )
        if status is not None:
            stmt = stmt.where(OutboxMessage.status == status)
        if person_id is not None:
            stmt = stmt.where(OutboxMessage.person_id == person_id)
        if release is not None:
            stmt = stmt.where(OutboxMessage.release == release)
        rows, total = await paginate(self.session, stmt, limit, offset)
        return [OutboxRead(**_fields(m, tz)) for m in rows], total

    async def _row(self, congress_id: uuid.UUID, message_id: uuid.UUID) -> OutboxMessage:
        row = (
            await self.session.scalars(
                select(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.congress_id == congress_id)
            )
        ).one_or_none()
        if row is None:
            raise NotFound(f"No outbox message with id {message_id}")
        return row

    async def get(self, congress_id: uuid.UUID, message_id: uuid.UUID) -> OutboxMessageRead:
        tz = await self._zone(congress_id)
        m = await self._row(congress_id, message_id)
        return OutboxMessageRead(
            **_fields(m, tz),
            body=m.body,
            attachment_name=m.attachment_name,
            attachment=m.attachment,
        )

    async def requeue(self, congress_id: uuid.UUID, message_id: uuid.UUID) -> OutboxMessageRead:
        await self._row(congress_id, message_id)
        try:
            await self.session.run_sync(lambda s: requeue(s, message_id))
        except ValueError as exc:
            raise Conflict(str(exc), code="not_requeueable") from exc
        self.session.expire_all()
        return await self.get(congress_id, message_id)
