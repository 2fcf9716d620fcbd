"""CME statements from door scans, session evaluations, certificates and their public verification, retention.

A statement is computed from the person's scans and the released programme by ``rules``. Issuing a
certificate stores the statement with a verification code; the same statement keeps its code and issue
date, so the PDF regenerates byte for byte. Purging raw scans freezes every statement first: afterwards
statements, certificates and verification work unchanged from what was stored.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import CmeStatement, Congress, Person, Presence, PublishedEvent, Scan, SessionEvaluation
from congress.domain.attendance import rules
from congress.domain.attendance.schemas import (
    CertificateCheck,
    EvaluationRead,
    EvaluationWrite,
    PurgeReport,
    StatementRead,
)
from congress.domain.attendance.settings import cme_config, stored_settings
from congress.lib import codes
from congress.lib.errors import Conflict, Forbidden, NotFound
from congress.lib.queries import get_or_404, zone
from congress.lib.security import Principal
from congress.publishing.certificates import Certificate, CertificateDay, certificate_fields, render_certificate

ISSUER = "Congress organisers"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _json(statement: rules.Statement) -> dict[str, Any]:
    """The statement as the JSON column gives it back (lists, not tuples), so stored and fresh compare equal."""
    stored: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(statement))
    return stored


@dataclass(slots=True)
class AttendanceService:
    session: AsyncSession
    principal: Principal | None

    def _person(self, person_id: uuid.UUID | None) -> uuid.UUID:
        """The caller's own person; organisers may name another (others: not found)."""
        own = self.principal.person_id if self.principal is not None else None
        if person_id is not None and person_id != own:
            if self.principal is None or not self.principal.is_organiser:
                raise NotFound(f"No statement for person {person_id}")
            return person_id
        if own is None:
            raise Forbidden("This token belongs to no person; organisers name one with person_id", code="no_person")
        return own

    async def _compute(self, congress: Congress, person_id: uuid.UUID) -> rules.Statement:
        config = cme_config(stored_settings(congress.cme))
        tz = zone(congress.time_zone)
        events = list(
            await self.session.scalars(
                select(PublishedEvent).where(
                    PublishedEvent.congress_id == congress.id, PublishedEvent.cancelled.is_(False)
                )
            )
        )
        sessions = [
            rules.SessionSlot(
                key=e.uid,
                room=str(e.room_id),
                starts_at=e.starts_at,
                ends_at=e.ends_at,
                day=e.starts_at.astimezone(tz).date(),
                title=e.title,
            )
            for e in events
            if e.room_id is not None
        ]
        scans = [
            rules.Scan(
                person=str(person_id),
                room=str(room_id),
                scanned_at=scanned_at,
                direction=rules.Direction(direction) if direction else None,
            )
            for room_id, scanned_at, direction in (
                await self.session.execute(
                    select(Scan.room_id, Scan.scanned_at, Scan.direction).where(
                        Scan.congress_id == congress.id, Scan.person_id == person_id
                    )
                )
            ).tuples()
        ]
        evaluated = set(
            await self.session.scalars(
                select(PublishedEvent.uid)
                .join(SessionEvaluation, SessionEvaluation.event_id == PublishedEvent.id)
                .where(SessionEvaluation.congress_id == congress.id, SessionEvaluation.person_id == person_id)
            )
        )
        return rules.statement(
            str(person_id), scans, sessions, config, time_zone=congress.time_zone, evaluated=evaluated
        )

    async def _stored(self, congress_id: uuid.UUID, person_id: uuid.UUID, *, lock: bool = False) -> CmeStatement | None:
        stmt = select(CmeStatement).where(CmeStatement.congress_id == congress_id, CmeStatement.person_id == person_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def _current(self, congress: Congress, person_id: uuid.UUID) -> tuple[rules.Statement, CmeStatement | None]:
        stored = await self._stored(congress.id, person_id)
        if stored is not None and stored.frozen_at is not None:
            return msgspec.convert(stored.statement, rules.Statement), stored
        return await self._compute(congress, person_id), stored

    async def statement(self, congress_id: uuid.UUID, person_id: uuid.UUID | None) -> StatementRead:
        congress = await get_or_404(self.session, Congress, congress_id)
        who = self._person(person_id)
        person = await get_or_404(self.session, Person, who)
        statement, stored = await self._current(congress, who)
        issued = stored is not None and stored.statement == _json(statement)
        return StatementRead(
            person_id=who,
            name=person.name,
            congress=congress.name,
            credits=str(statement.credits),
            statement=statement,
            frozen=stored is not None and stored.frozen_at is not None,
            certificate_code=stored.code if stored is not None and issued else None,
        )

    async def evaluate(
        self, congress_id: uuid.UUID, item_id: uuid.UUID, run: int, data: EvaluationWrite
    ) -> EvaluationRead:
        who = self._person(None)
        event = (
            await self.session.scalars(
                select(PublishedEvent).where(
                    PublishedEvent.congress_id == congress_id,
                    PublishedEvent.item_id == item_id,
                    PublishedEvent.run == run,
                    PublishedEvent.cancelled.is_(False),
                )
            )
        ).one_or_none()
        if event is None:
            raise NotFound("No such session in the released programme")
        row = (
            await self.session.scalars(
                select(SessionEvaluation).where(
                    SessionEvaluation.event_id == event.id, SessionEvaluation.person_id == who
                )
            )
        ).one_or_none()
        if row is None:
            row = SessionEvaluation(congress_id=congress_id, event_id=event.id, person_id=who, rating=data.rating)
            self.session.add(row)
        row.rating, row.comment = data.rating, data.comment
        await self.session.flush()
        return EvaluationRead(
            item_id=item_id, run=run, rating=row.rating, comment=row.comment, submitted_at=row.updated_at
        )

    def _certificate(
        self, congress: Congress, name: str, statement: rules.Statement, issued_at: dt.datetime
    ) -> Certificate:
        return Certificate(
            congress=congress.name,
            first_day=congress.first_day,
            last_day=congress.last_day,
            venue=", ".join(part for part in (congress.venue, congress.city) if part),
            attendee=name,
            credits=statement.credits,
            days=tuple(CertificateDay(day=d.day, credits=d.credits) for d in statement.days),
            issued_at=issued_at,
            issuer=ISSUER,
        )

    async def _issue(
        self, congress: Congress, person: Person, statement: rules.Statement, stored: CmeStatement | None
    ) -> CmeStatement:
        """The stored statement for ``statement``: kept as it is when unchanged (same code, same issue date),
        else issued anew with a new code (the old code then verifies nothing)."""
        if stored is not None and (stored.frozen_at is not None or stored.statement == _json(statement)):
            return stored
        issued_at = now().replace(microsecond=0)
        certificate = self._certificate(congress, person.name, statement, issued_at)
        code = codes.verification_code(secrets.token_bytes(32), certificate_fields(certificate))
        if stored is None:
            stored = CmeStatement(congress_id=congress.id, person_id=person.id)
            self.session.add(stored)
        stored.statement, stored.total_credits = _json(statement), str(statement.credits)
        stored.code, stored.issued_at = code, issued_at
        await self.session.flush()
        return stored

    async def certificate(
        self, congress_id: uuid.UUID, person_id: uuid.UUID | None, verify_base: str
    ) -> tuple[bytes, str]:
        """The certificate PDF and its file name. The same statement keeps its code and issue date."""
        congress = await get_or_404(self.session, Congress, congress_id)
        who = self._person(person_id)
        person = await get_or_404(self.session, Person, who)
        statement, stored = await self._current(congress, who)
        if statement.credits <= Decimal(0):
            raise Conflict("No CME credits to certify (yet)", code="no_credits")
        stored = await self._issue(congress, person, statement, stored)
        certificate = self._certificate(congress, person.name, statement, stored.issued_at)
        body = render_certificate(
            certificate, code=stored.code, verify_url=f"{verify_base}/api/certificates/{stored.code}"
        )
        return body, f"{congress.slug}-cme-certificate.pdf"

    async def verify(self, code: str) -> CertificateCheck:
        """Public: is this a certificate we issued? Shows only the name, the congress and the credits."""
        normal = codes.normalise_code(code)
        stored = (
            (await self.session.scalars(select(CmeStatement).where(CmeStatement.code == normal))).one_or_none()
            if normal is not None
            else None
        )
        if stored is None or normal is None or not hmac.compare_digest(stored.code, normal):
            raise NotFound("No certificate with this verification code", code="unknown_certificate")
        congress = await get_or_404(self.session, Congress, stored.congress_id)
        person = await get_or_404(self.session, Person, stored.person_id)
        return CertificateCheck(
            valid=True,
            congress=congress.name,
            name=person.name,
            credits=stored.total_credits,
        )

    async def purge(self, congress_id: uuid.UUID) -> PurgeReport:
        """Freeze every statement of the congress, then delete its raw scans and presence."""
        congress = (
            await self.session.scalars(select(Congress).where(Congress.id == congress_id).with_for_update())
        ).one_or_none()
        if congress is None:
            raise NotFound(f"No congress with id {congress_id}")
        people = set(
            await self.session.scalars(select(Scan.person_id).where(Scan.congress_id == congress_id).distinct())
        )
        scans = await self.session.scalar(select(func.count()).select_from(Scan).where(Scan.congress_id == congress_id))
        moment = now().replace(microsecond=0)
        frozen = 0
        for person_id in sorted(people, key=str):
            statement, stored = await self._current(congress, person_id)
            if stored is not None and stored.frozen_at is not None:
                continue
            person = await get_or_404(self.session, Person, person_id)
            stored = await self._issue(congress, person, statement, stored)
            stored.frozen_at = moment
            frozen += 1
        await self.session.flush()
        await self.session.execute(delete(Scan).where(Scan.congress_id == congress_id))
        await self.session.execute(delete(Presence).where(Presence.congress_id == congress_id))
        await self.session.flush()
        return PurgeReport(statements_frozen=frozen, scans_deleted=int(scans or 0))
