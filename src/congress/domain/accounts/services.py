"""Rules for API tokens: issue (shown once), list, revoke, and resolve a caller."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import ApiToken, Person
from congress.domain.accounts.schemas import Me, TokenCreate, TokenIssued, TokenRead
from congress.lib.errors import Conflict, InvalidInput, NotFound
from congress.lib.queries import aware_utc, flush_or_conflict, get_or_404, paginate
from congress.lib.security import (
    Principal,
    Role,
    digest_matches,
    hash_token,
    looks_like_token,
    new_token,
)
from congress.lib.transactions import WRITE_INTENT

# Writing last_used_at on every request would turn reads into writes.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


# Runs on every authenticated request: plain columns rather than an entity, built once.
TOKEN_BY_DIGEST = select(
    ApiToken.id,
    ApiToken.role,
    ApiToken.person_id,
    ApiToken.digest,
    ApiToken.revoked_at,
    ApiToken.expires_at,
    ApiToken.last_used_at,
).where(ApiToken.digest == bindparam("digest"))


def token_read(t: ApiToken) -> TokenRead:
    return TokenRead(
        id=t.id,
        name=t.name,
        role=t.role,
        person_id=t.person_id,
        created_at=t.created_at,
        last_used_at=t.last_used_at,
        expires_at=t.expires_at,
        revoked_at=t.revoked_at,
    )


async def resolve_token(session: AsyncSession, token: str) -> Principal | None:
    """The principal behind a bearer token, or None if it is unknown, revoked or expired."""
    if not looks_like_token(token):
        return None
    row = (await session.execute(TOKEN_BY_DIGEST, {"digest": hash_token(token)})).one_or_none()
    if row is None or not digest_matches(row.digest, token):
        return None
    now = dt.datetime.now(dt.UTC)
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    principal = Principal(token_id=row.id, role=row.role, person_id=row.person_id)
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        # End the read, then write in a transaction that declares it writes.
        await session.commit()
        await session.connection(execution_options={WRITE_INTENT: True})
        await session.execute(update(ApiToken).where(ApiToken.id == principal.token_id).values(last_used_at=now))
        await session.commit()
    return principal


async def issue_token(
    session: AsyncSession,
    name: str,
    role: Role,
    person_id: uuid.UUID | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[str, ApiToken]:
    if role is not Role.ORGANISER and person_id is None:
        raise InvalidInput(
            f"A {role} token must name the person it speaks for",
            code="person_required",
            field="person_id",
        )
    if person_id is not None:
        await get_or_404(session, Person, person_id)
    if expires_at is not None:
        expires_at = aware_utc(expires_at, "expires_at")
        if expires_at <= dt.datetime.now(dt.UTC):
            raise InvalidInput("expires_at is in the past", code="expiry_in_past", field="expires_at")
    token = new_token()
    row = ApiToken(name=name, role=role, person_id=person_id, digest=hash_token(token), expires_at=expires_at)
    session.add(row)
    await flush_or_conflict(session, "The token")
    return token, row


@dataclass(slots=True)
class TokenService:
    session: AsyncSession
    principal: Principal | None

    async def search(
        self, limit: int, offset: int, person_id: uuid.UUID | None, include_revoked: bool
    ) -> tuple[Sequence[ApiToken], int]:
        stmt = select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)
        if person_id is not None:
            stmt = stmt.where(ApiToken.person_id == person_id)
        if not include_revoked:
            stmt = stmt.where(ApiToken.revoked_at.is_(None))
        return await paginate(self.session, stmt, limit, offset)

    async def create(self, data: TokenCreate) -> TokenIssued:
        token, row = await issue_token(self.session, data.name, data.role, data.person_id, data.expires_at)
        return TokenIssued(token=token, info=token_read(row))

    async def revoke(self, token_id: uuid.UUID) -> None:
        row = await get_or_404(self.session, ApiToken, token_id)
        if self.principal is not None and row.id == self.principal.token_id:
            raise Conflict("A token cannot revoke itself; use another organiser token", code="self_revocation")
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)
            await flush_or_conflict(self.session, "Revoking the token")

    async def me(self) -> Me:
        if self.principal is None:
            raise NotFound("No caller")
        name = None
        if self.principal.person_id is not None:
            name = (
                await self.session.execute(select(Person.name).where(Person.id == self.principal.person_id))
            ).scalar_one_or_none()
        return Me(
            token_id=self.principal.token_id,
            role=self.principal.role,
            person_id=self.principal.person_id,
            person_name=name,
        )
