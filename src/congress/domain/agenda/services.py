"""Rules for agendas and workshop seats.

Anyone whose token belongs to a person may star items of a congress for their
agenda (their calendar feed then carries them). A seat in a run of an item
with limited seats (``capacity``, e.g. a hands-on workshop) needs an active
registration for the congress and a run the latest release places; a person
holds at most one seat per item (asking for another run moves the seat), and
a run never holds more seats than the item's capacity, even when many ask at
once: the item row is locked while seats are counted.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from congress.db.models import AgendaStar, Congress, Person, ProgrammeItem, PublishedEvent, Registration, WorkshopSeat
from congress.domain.agenda.schemas import AgendaRead, ItemSeats, RunSeats, SeatRead, SeatRequest, StarRead
from congress.enums import RegistrationStatus
from congress.lib.errors import Conflict, Forbidden, InvalidInput, NotFound
from congress.lib.queries import flush_or_conflict, get_or_404, zone
from congress.lib.security import Principal


def caller_person(principal: Principal | None) -> uuid.UUID:
    if principal is None or principal.person_id is None:
        raise Forbidden("This token belongs to no person, so it has no agenda", code="no_person")
    return principal.person_id


SeatRow = tuple[WorkshopSeat, ProgrammeItem, Person, PublishedEvent | None]


def seat_select() -> Select[tuple[WorkshopSeat, ProgrammeItem, Person, PublishedEvent]]:
    """Seats with their item, holder and placement (the event is NULL until released: an outer join)."""
    return (
        select(WorkshopSeat, ProgrammeItem, Person, PublishedEvent)
        .join(ProgrammeItem, ProgrammeItem.id == WorkshopSeat.item_id)
        .join(Person, Person.id == WorkshopSeat.person_id)
        .outerjoin(
            PublishedEvent,
            (PublishedEvent.item_id == WorkshopSeat.item_id)
            & (PublishedEvent.run == WorkshopSeat.run)
            & PublishedEvent.cancelled.is_(False),
        )
    )


def seat_read(
    row: tuple[WorkshopSeat, ProgrammeItem, Person, PublishedEvent | None], tz: zoneinfo.ZoneInfo
) -> SeatRead:
    seat, item, person, event = row
    return SeatRead(
        item_id=item.id,
        run=seat.run,
        code=item.code,
        title=item.title,
        person_id=person.id,
        person_name=person.name,
        starts_at=event.starts_at.astimezone(tz) if event else None,
        ends_at=event.ends_at.astimezone(tz) if event else None,
        room=event.room_name if event else None,
        taken_at=seat.updated_at.astimezone(tz),
    )


@dataclass(slots=True)
class AgendaService:
    session: AsyncSession
    principal: Principal | None

    async def _congress(self, congress_id: uuid.UUID) -> Congress:
        return await get_or_404(self.session, Congress, congress_id)

    async def _item(self, congress_id: uuid.UUID, item_id: uuid.UUID, *, lock: bool = False) -> ProgrammeItem:
        stmt = select(ProgrammeItem).where(ProgrammeItem.id == item_id, ProgrammeItem.congress_id == congress_id)
        if lock:
            stmt = stmt.with_for_update()
        item = (await self.session.scalars(stmt)).one_or_none()
        if item is None:
            raise NotFound(f"No programme item with id {item_id} in this congress")
        return item

    def _person_for(self, person_id: uuid.UUID | None) -> uuid.UUID:
        """The caller's own person; organisers may name another."""
        own = self.principal.person_id if self.principal is not None else None
        if person_id is not None and person_id != own:
            if self.principal is None or not self.principal.is_organiser:
                raise NotFound(f"No agenda for person {person_id}")
            return person_id
        return caller_person(self.principal)

    async def agenda(self, congress_id: uuid.UUID, person_id: uuid.UUID | None = None) -> AgendaRead:
        congress = await self._congress(congress_id)
        tz = zone(congress.time_zone)
        who = self._person_for(person_id)
        stars = (
            await self.session.execute(
                select(AgendaStar, ProgrammeItem)
                .join(ProgrammeItem, ProgrammeItem.id == AgendaStar.item_id)
                .where(AgendaStar.congress_id == congress_id, AgendaStar.person_id == who)
                .order_by(ProgrammeItem.title, ProgrammeItem.id)
            )
        ).tuples()
        seats = (
            await self.session.execute(
                seat_select()
                .where(WorkshopSeat.congress_id == congress_id, WorkshopSeat.person_id == who)
                .order_by(ProgrammeItem.title, WorkshopSeat.run)
            )
        ).tuples()
        return AgendaRead(
            stars=[
                StarRead(
                    item_id=item.id,
                    code=item.code,
                    title=item.title,
                    kind=item.kind,
                    starred_at=star.created_at.astimezone(tz),
                )
                for star, item in stars
            ],
            seats=[seat_read(row, tz) for row in seats],
        )

    async def star(self, congress_id: uuid.UUID, item_id: uuid.UUID) -> StarRead:
        who = caller_person(self.principal)
        congress = await self._congress(congress_id)
        item = await self._item(congress_id, item_id)
        star = (
            await self.session.scalars(
                select(AgendaStar).where(AgendaStar.person_id == who, AgendaStar.item_id == item.id)
            )
        ).one_or_none()
        if star is None:
            star = AgendaStar(congress_id=congress_id, person_id=who, item_id=item.id)
            self.session.add(star)
            await flush_or_conflict(self.session, "The star")
        return StarRead(
            item_id=item.id,
            code=item.code,
            title=item.title,
            kind=item.kind,
            starred_at=star.created_at.astimezone(zone(congress.time_zone)),
        )

    async def unstar(self, congress_id: uuid.UUID, item_id: uuid.UUID) -> None:
        who = caller_person(self.principal)
        await self._congress(congress_id)
        star = (
            await self.session.scalars(
                select(AgendaStar).where(
                    AgendaStar.congress_id == congress_id, AgendaStar.person_id == who, AgendaStar.item_id == item_id
                )
            )
        ).one_or_none()
        if star is None:
            raise NotFound("This item is not in your agenda", code="not_starred")
        await self.session.delete(star)
        await flush_or_conflict(self.session, "Removing the star")

    async def take_seat(self, congress_id: uuid.UUID, item_id: uuid.UUID, data: SeatRequest) -> SeatRead:
        who = caller_person(self.principal)
        congress = await self._congress(congress_id)
        registered = (
            await self.session.scalars(
                select(Registration.id).where(
                    Registration.congress_id == congress_id,
                    Registration.person_id == who,
                    Registration.status == RegistrationStatus.ACTIVE,
                )
            )
        ).first()
        if registered is None:
            raise Conflict("A seat needs an active registration for this congress", code="not_registered")
        # Locked until the transaction ends: concurrent requests for this item count seats one after another.
        item = await self._item(congress_id, item_id, lock=True)
        if item.capacity is None:
            raise InvalidInput(
                f"'{item.title}' has no limited seats; no booking is needed", code="no_seats", field="item_id"
            )
        if data.run > item.runs:
            raise InvalidInput(
                f"'{item.title}' has {item.runs} run(s), not {data.run}", code="no_such_run", field="run"
            )
        placed = (
            await self.session.scalars(
                select(PublishedEvent.id).where(
                    PublishedEvent.item_id == item.id,
                    PublishedEvent.run == data.run,
                    PublishedEvent.cancelled.is_(False),
                )
            )
        ).first()
        if placed is None:
            raise Conflict(
                f"Run {data.run} of '{item.title}' is not in the released programme", code="run_not_released"
            )
        seat = (
            await self.session.scalars(
                select(WorkshopSeat).where(WorkshopSeat.person_id == who, WorkshopSeat.item_id == item.id)
            )
        ).one_or_none()
        if seat is None or seat.run != data.run:
            taken = (
                await self.session.execute(
                    select(func.count()).where(WorkshopSeat.item_id == item.id, WorkshopSeat.run == data.run)
                )
            ).scalar_one()
            if taken >= item.capacity:
                raise Conflict(f"Run {data.run} of '{item.title}' is full ({item.capacity} seats)", code="run_full")
            if seat is None:
                seat = WorkshopSeat(congress_id=congress_id, person_id=who, item_id=item.id, run=data.run)
                self.session.add(seat)
            else:
                seat.run = data.run
                seat.updated_at = dt.datetime.now(dt.UTC)
            await flush_or_conflict(self.session, "The seat")
        row = (await self.session.execute(seat_select().where(WorkshopSeat.id == seat.id))).tuples().one()
        return seat_read(row, zone(congress.time_zone))

    async def give_up_seat(self, congress_id: uuid.UUID, item_id: uuid.UUID) -> None:
        who = caller_person(self.principal)
        await self._congress(congress_id)
        seat = (
            await self.session.scalars(
                select(WorkshopSeat).where(
                    WorkshopSeat.congress_id == congress_id,
                    WorkshopSeat.person_id == who,
                    WorkshopSeat.item_id == item_id,
                )
            )
        ).one_or_none()
        if seat is None:
            raise NotFound("You hold no seat in this item", code="no_seat")
        await self.session.delete(seat)
        await flush_or_conflict(self.session, "Giving up the seat")

    async def item_seats(self, congress_id: uuid.UUID, item_id: uuid.UUID) -> ItemSeats:
        congress = await self._congress(congress_id)
        item = await self._item(congress_id, item_id)
        tz = zone(congress.time_zone)
        rows = (
            (
                await self.session.execute(
                    seat_select().where(WorkshopSeat.item_id == item.id).order_by(WorkshopSeat.run, Person.name)
                )
            )
            .tuples()
            .all()
        )
        holders = [seat_read(row, tz) for row in rows]
        capacity = item.capacity or 0
        runs = []
        for run in range(1, item.runs + 1):
            taken = sum(1 for h in holders if h.run == run)
            runs.append(RunSeats(run=run, capacity=capacity, taken=taken, left=max(0, capacity - taken)))
        return ItemSeats(item_id=item.id, runs=runs, holders=holders)
