"""Rules for badge keys and badges.

The newest key not retired signs new badges; every key not retired verifies. A badge is revoked when it is
reissued or cancelled, and a badge whose registration is no longer active counts as revoked at the door and
on the scanners' revocation list. Organisers manage keys and badges; attendees read their own badge only.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import Badge, BadgeKey, Congress, Person, Registration
from congress.domain.badges.schemas import BadgeKeyRead, BadgeRead, IssueReport, RevokeRequest, RevokeResult
from congress.enums import RegistrationCategory, RegistrationStatus
from congress.lib import badges as tokens
from congress.lib.errors import Conflict, Forbidden, NotFound
from congress.lib.queries import flush_or_conflict, get_or_404, paginate_rows
from congress.lib.security import Principal
from congress.publishing.badges import BadgeCard

CATEGORY_LABELS = {
    RegistrationCategory.FULL: "Delegate",
    RegistrationCategory.DAY: "Day delegate",
    RegistrationCategory.IN_TRAINING: "Resident",
    RegistrationCategory.STUDENT: "Student",
    RegistrationCategory.RADIOGRAPHER: "Radiographer",
    RegistrationCategory.FACULTY: "Faculty",
    RegistrationCategory.EXHIBITOR: "Exhibitor",
    RegistrationCategory.PRESS: "Press",
}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def active_keys(session: AsyncSession, congress_id: uuid.UUID) -> list[BadgeKey]:
    """Keys that verify, newest first (the first one signs)."""
    return list(
        await session.scalars(
            select(BadgeKey)
            .where(BadgeKey.congress_id == congress_id, BadgeKey.retired_at.is_(None))
            .order_by(BadgeKey.created_at.desc(), BadgeKey.id.desc())
        )
    )


async def keyring(session: AsyncSession, congress_id: uuid.UUID) -> dict[str, Ed25519PublicKey]:
    return {k.kid: tokens.public_from_bytes(k.public_key) for k in await active_keys(session, congress_id)}


def revoked_badges(congress_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """Badges a door must refuse: revoked, or of a registration that is not active."""
    return (
        select(Badge.id)
        .join(Registration, Registration.id == Badge.registration_id)
        .where(
            Badge.congress_id == congress_id,
            or_(Badge.revoked_at.is_not(None), Registration.status != RegistrationStatus.ACTIVE),
        )
    )


def key_read(key: BadgeKey, signing: bool) -> BadgeKeyRead:
    return BadgeKeyRead(
        kid=key.kid,
        public_key=base64.b64encode(key.public_key).decode("ascii"),
        created_at=key.created_at,
        retired_at=key.retired_at,
        signing=signing,
    )


BadgeRow = tuple[Badge, Registration, Person]


def badge_read(row: BadgeRow) -> BadgeRead:
    badge, registration, person = row
    return BadgeRead(
        id=badge.id,
        registration_id=registration.id,
        person_id=person.id,
        name=person.name,
        category=registration.category,
        registration_status=registration.status,
        kid=badge.kid,
        issued_at=badge.created_at,
        revoked_at=badge.revoked_at,
        revoke_reason=badge.revoke_reason,
    )


@dataclass(slots=True)
class BadgeService:
    session: AsyncSession
    principal: Principal | None

    async def _congress(self, congress_id: uuid.UUID, *, lock: bool = False) -> Congress:
        """The congress; ``lock`` serialises key rotation and issuing within it."""
        if lock:
            found = (
                await self.session.scalars(select(Congress).where(Congress.id == congress_id).with_for_update())
            ).one_or_none()
            if found is None:
                raise NotFound(f"No congress with id {congress_id}")
            return found
        return await get_or_404(self.session, Congress, congress_id)

    # --- keys ----------------------------------------------------------------------------------------------

    async def keys(self, congress_id: uuid.UUID) -> list[BadgeKeyRead]:
        await self._congress(congress_id)
        rows = list(
            await self.session.scalars(
                select(BadgeKey)
                .where(BadgeKey.congress_id == congress_id)
                .order_by(BadgeKey.created_at.desc(), BadgeKey.id.desc())
            )
        )
        signer = next((k.id for k in rows if k.retired_at is None), None)
        return [key_read(k, k.id == signer) for k in rows]

    async def rotate(self, congress_id: uuid.UUID) -> BadgeKeyRead:
        """A new signing key; older keys keep verifying until retired."""
        await self._congress(congress_id, lock=True)
        key = await self._new_key(congress_id)
        return key_read(key, True)

    async def _new_key(self, congress_id: uuid.UUID) -> BadgeKey:
        pair = tokens.generate_key()
        key = BadgeKey(
            congress_id=congress_id,
            kid=pair.kid,
            public_key=tokens.public_to_bytes(pair.public_key),
            private_key=tokens.private_to_bytes(pair.private_key),
        )
        self.session.add(key)
        await flush_or_conflict(self.session, "The key")
        return key

    async def retire(self, congress_id: uuid.UUID, kid: str) -> BadgeKeyRead:
        """Badges signed by a retired key no longer verify anywhere (reissue them first)."""
        key = (
            await self.session.scalars(select(BadgeKey).where(BadgeKey.congress_id == congress_id, BadgeKey.kid == kid))
        ).one_or_none()
        if key is None:
            raise NotFound(f"No badge key '{kid}'")
        if key.retired_at is not None:
            raise Conflict("The key is already retired", code="key_retired")
        key.retired_at = now()
        await self.session.flush()
        return key_read(key, False)

    async def _signer(self, congress_id: uuid.UUID) -> BadgeKey:
        keys = await active_keys(self.session, congress_id)
        return keys[0] if keys else await self._new_key(congress_id)

    # --- badges ----------------------------------------------------------------------------------------------

    def _badges(self, congress_id: uuid.UUID) -> Select[tuple[Badge, Registration, Person]]:
        return (
            select(Badge, Registration, Person)
            .join(Registration, Registration.id == Badge.registration_id)
            .join(Person, Person.id == Registration.person_id)
            .where(Badge.congress_id == congress_id)
        )

    async def issue_all(self, congress_id: uuid.UUID) -> IssueReport:
        """One badge for every active registration that has none (idempotent)."""
        await self._congress(congress_id, lock=True)
        signer = await self._signer(congress_id)
        has_badge = select(Badge.registration_id).where(Badge.congress_id == congress_id, Badge.revoked_at.is_(None))
        missing = list(
            await self.session.scalars(
                select(Registration.id).where(
                    Registration.congress_id == congress_id,
                    Registration.status == RegistrationStatus.ACTIVE,
                    Registration.id.not_in(has_badge),
                )
            )
        )
        already = await self.session.scalar(select(func.count()).select_from(has_badge.subquery()))
        self.session.add_all(Badge(congress_id=congress_id, registration_id=r, kid=signer.kid) for r in missing)
        await flush_or_conflict(self.session, "The badges")
        return IssueReport(issued=len(missing), already_issued=int(already or 0), kid=signer.kid)

    async def search(
        self, congress_id: uuid.UUID, limit: int, offset: int, revoked: bool | None
    ) -> tuple[list[BadgeRead], int]:
        await self._congress(congress_id)
        stmt = self._badges(congress_id).order_by(Person.name, Badge.created_at, Badge.id)
        if revoked is not None:
            stmt = stmt.where(Badge.revoked_at.is_not(None) if revoked else Badge.revoked_at.is_(None))
        rows, total = await paginate_rows(self.session, stmt, limit, offset)
        return [badge_read(r) for r in rows], total

    async def _row(self, congress_id: uuid.UUID, badge_id: uuid.UUID) -> BadgeRow:
        found = await self.session.execute(self._badges(congress_id).where(Badge.id == badge_id))
        row: BadgeRow | None = found.tuples().one_or_none()
        if row is None:
            raise NotFound(f"No badge with id {badge_id}")
        return row

    async def revoke(self, congress_id: uuid.UUID, badge_id: uuid.UUID, data: RevokeRequest) -> RevokeResult:
        await self._congress(congress_id, lock=True)
        badge, registration, person = await self._row(congress_id, badge_id)
        if badge.revoked_at is not None:
            raise Conflict("The badge is already revoked", code="badge_revoked")
        badge.revoked_at = now()
        badge.revoke_reason = data.reason
        await self.session.flush()
        reissued = None
        if data.reissue:
            if registration.status is not RegistrationStatus.ACTIVE:
                raise Conflict("The registration is not active; no new badge", code="not_registered")
            signer = await self._signer(congress_id)
            fresh = Badge(congress_id=congress_id, registration_id=registration.id, kid=signer.kid)
            self.session.add(fresh)
            await flush_or_conflict(self.session, "The badge")
            reissued = badge_read((fresh, registration, person))
        return RevokeResult(revoked=badge_read((badge, registration, person)), reissued=reissued)

    async def token_of(self, congress_id: uuid.UUID, badge_id: uuid.UUID | None) -> tuple[str, BadgeRead]:
        """The signed QR text of a badge: organisers any, attendees their own active badge (``badge_id`` None)."""
        if badge_id is None:
            if self.principal is None or self.principal.person_id is None:
                raise Forbidden("This token belongs to no person", code="no_person")
            row = (
                (
                    await self.session.execute(
                        self._badges(congress_id).where(
                            Registration.person_id == self.principal.person_id, Badge.revoked_at.is_(None)
                        )
                    )
                )
                .tuples()
                .one_or_none()
            )
            if row is None:
                raise NotFound("You have no badge for this congress (yet)", code="no_badge")
        else:
            if self.principal is None or not self.principal.is_organiser:
                raise NotFound(f"No badge with id {badge_id}")
            row = await self._row(congress_id, badge_id)
        badge = row[0]
        key = (await self.session.scalars(select(BadgeKey).where(BadgeKey.kid == badge.kid))).one()
        token = tokens.sign_badge(tokens.private_from_bytes(key.private_key), congress_id, badge.id)
        return token, badge_read(row)

    async def cards(self, congress_id: uuid.UUID) -> list[tuple[uuid.UUID, BadgeCard]]:
        """Every active badge as a printable card (signed QR text, name, institution, category), by name."""
        congress = await self._congress(congress_id)
        keys = {
            k.kid: tokens.private_from_bytes(k.private_key)
            for k in await self.session.scalars(select(BadgeKey).where(BadgeKey.congress_id == congress_id))
        }
        rows = (
            await self.session.execute(
                self._badges(congress_id)
                .where(Badge.revoked_at.is_(None), Registration.status == RegistrationStatus.ACTIVE)
                .order_by(Person.name, Person.id)
            )
        ).tuples()
        return [
            (
                badge.id,
                BadgeCard(
                    token=tokens.sign_badge(keys[badge.kid], congress_id, badge.id),
                    name=person.name,
                    institution=person.institution,
                    category=CATEGORY_LABELS.get(registration.category, registration.category.value.title()),
                    congress_name=congress.name,
                ),
            )
            for badge, registration, person in rows
        ]
