"""Rules for programme exports.

Every export reads a release through the published-event ledger, so what it
shows is frozen with that release: the latest one, or the numbered one asked
for (only the latest is in the ledger: earlier numbers are refused, not
guessed). frab/c3voc documents are public like the released programme;
spreadsheets are the organisers'.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from congress.db.models import Congress, ScheduleVersion
from congress.enums import VersionStatus
from congress.lib.errors import Conflict, NotFound
from congress.lib.queries import get_or_404
from congress.lib.security import Principal
from congress.publishing import frab, tables
from congress.publishing.ledger import load_programme
from congress.publishing.snapshot import Programme

Renderer = Callable[[Programme], bytes]

FORMATS: dict[str, tuple[Renderer, bool]] = {
    # name: (renderer, include cancelled events in the snapshot)
    "json": (frab.frab_json, False),
    "xml": (frab.frab_xml, False),
    "csv": (tables.programme_csv, False),
    "xlsx": (tables.programme_xlsx, False),
}


@dataclass(frozen=True, slots=True)
class Export:
    body: bytes
    filename: str
    release: int
    etag: str


@dataclass(slots=True)
class ExportService:
    session: AsyncSession
    principal: Principal | None

    async def export(self, congress_id: uuid.UUID, kind: str, base_url: str, version: int | None = None) -> Export:
        congress = await get_or_404(self.session, Congress, congress_id)
        release = (
            await self.session.scalars(
                select(ScheduleVersion)
                .where(ScheduleVersion.congress_id == congress.id, ScheduleVersion.status == VersionStatus.RELEASED)
                .order_by(ScheduleVersion.number.desc())
                .limit(1)
            )
        ).first()
        if release is None:
            raise NotFound("Nothing of this congress has been released yet", code="no_release")
        if version is not None and version != release.number:
            raise Conflict(
                f"Exports are of the latest release ({release.number}); release {version} is superseded",
                code="superseded_release",
            )
        renderer, cancelled = FORMATS[kind]

        def render(session: Session) -> bytes:
            return renderer(load_programme(session, congress, release, base_url, include_cancelled=cancelled))

        body = await self.session.run_sync(render)
        extension = {"json": "schedule.json", "xml": "schedule.xml", "csv": "programme.csv", "xlsx": "programme.xlsx"}
        return Export(
            body=body,
            filename=f"{congress.slug}-{release.number}-{extension[kind]}",
            release=release.number or 0,
            etag=f'"{release.id.hex}-{kind}-{congress.updated_at.timestamp():.0f}"',
        )
