"""Oral-exam slots as calendar events, for the personal feeds of examiners and candidates.

An examiner's event names the candidate and the rest of the panel; a candidate's names neither the panel
nor anything but their own exam. The UID is the slot's and never changes; SEQUENCE is the slot's revision,
raised whenever it moves or its panel changes, so subscribed calendars update the same event.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import Session

from congress.db.models import (
    Congress,
    ExamApplication,
    ExamPanelSeat,
    ExamSitting,
    ExamSlot,
    ExamWorkstation,
    Person,
    Room,
)
from congress.publishing.snapshot import Event

EXAM_KIND = "oral_exam"


def slots_of(person_id: uuid.UUID, congress_id: uuid.UUID) -> Select[tuple[uuid.UUID]]:
    """The ids of the slots a person sits (as candidate) or examines in, at one congress."""
    sittings = select(ExamSitting.id).where(ExamSitting.congress_id == congress_id)
    sits = (
        select(ExamSlot.id)
        .join(ExamApplication, ExamApplication.id == ExamSlot.application_id)
        .where(ExamApplication.person_id == person_id, ExamSlot.sitting_id.in_(sittings))
    )
    examines = (
        select(ExamPanelSeat.slot_id)
        .join(ExamSlot, ExamSlot.id == ExamPanelSeat.slot_id)
        .where(ExamPanelSeat.examiner_id == person_id, ExamSlot.sitting_id.in_(sittings))
    )
    return select(union(sits, examines).subquery().c[0])


def exam_events(
    session: Session, congress: Congress, person_id: uuid.UUID, base_url: str
) -> tuple[list[Event], dict[str, str]]:
    """A person's oral-exam events and, by UID, the note saying why each is in their calendar."""
    rows = (
        session.execute(
            select(
                ExamSlot,
                ExamSitting.title,
                ExamApplication.person_id,
                Person.name,
                Room.id,
                Room.name,
                ExamWorkstation.number,
            )
            .join(ExamSitting, ExamSitting.id == ExamSlot.sitting_id)
            .join(ExamApplication, ExamApplication.id == ExamSlot.application_id)
            .join(Person, Person.id == ExamApplication.person_id)
            .join(ExamWorkstation, ExamWorkstation.id == ExamSlot.workstation_id)
            .join(Room, Room.id == ExamWorkstation.room_id)
            .where(ExamSlot.id.in_(slots_of(person_id, congress.id)))
            .order_by(ExamSlot.starts_at, ExamSlot.id)
        )
        .tuples()
        .all()
    )
    panels: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = defaultdict(list)
    if rows:
        for slot_id, examiner_id, name in session.execute(
            select(ExamPanelSeat.slot_id, Person.id, Person.name)
            .join(Person, Person.id == ExamPanelSeat.examiner_id)
            .where(ExamPanelSeat.slot_id.in_([r[0].id for r in rows]))
            .order_by(Person.name, Person.id)
        ).tuples():
            panels[slot_id].append((examiner_id, name))
    events, notes = [], {}
    base = base_url.rstrip("/")
    for slot, sitting_title, candidate_id, candidate, room_id, room, number in rows:
        uid = f"exam-{slot.id}@{congress.slug}.congress"
        if candidate_id == person_id:
            title = f"{sitting_title}: your oral exam"
            description = "Bring your badge; the oral is taken at a reading workstation."
            notes[uid] = "You sit this oral exam."
        else:
            others = [name for examiner_id, name in panels.get(slot.id, []) if examiner_id != person_id]
            title = f"{sitting_title}: oral exam of {candidate}"
            description = "Panel: you" + "".join(f", {name}" for name in others) + "."
            notes[uid] = "You examine this candidate."
        events.append(
            Event(
                uid=uid,
                number=0,
                item_id=slot.id,
                run=1,
                runs=1,
                code=None,
                kind=EXAM_KIND,
                title=title,
                description=description,
                topics=(),
                room_id=room_id,
                room=f"{room}, workstation {number}",
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                faculty=(),
                sequence=slot.revision,
                cancelled=False,
                changed_at=slot.updated_at,
                changed_in=0,
                url=f"{base}/api/congresses/{congress.id}/exam/slots/{slot.id}",
            )
        )
    return events, notes


def exam_stamp(person_id: uuid.UUID, congress_id: uuid.UUID) -> list[object]:
    """Scalar subqueries whose values change whenever the person's exam events change (for the feed's ETag)."""
    mine = slots_of(person_id, congress_id)
    return [
        select(func.count()).select_from(ExamSlot).where(ExamSlot.id.in_(mine)).scalar_subquery(),
        select(func.max(ExamSlot.updated_at)).where(ExamSlot.id.in_(mine)).scalar_subquery(),
        select(func.count()).select_from(ExamPanelSeat).where(ExamPanelSeat.slot_id.in_(mine)).scalar_subquery(),
        select(func.max(ExamPanelSeat.updated_at)).where(ExamPanelSeat.slot_id.in_(mine)).scalar_subquery(),
    ]
