"""Deterministic congress instances for tests and benchmarks.

``generate(items, seed)`` returns an :class:`~solver.model.Instance` shaped like a
radiology congress of that many programme items:

* up to 120 items, an ESSR-style annual meeting: a 600-seat auditorium, two or
  three rooms of 150-300 seats, small rooms of 40-80, one ultrasound lab and the
  EDiMSK exam room;
* above that, an ECR-style congress: lecture rooms in five capacity classes
  (2,500 down to 60 seats, rooms of a class identical) and two or three
  ultrasound labs.

Rooms grow with the programme (about one per 13 items, 6 to 35); there are three
days up to 150 items and five above. Times are integer minutes from local
midnight of the first day; every day runs 08:00-18:30 with lunch 12:30-13:30.

The instance is feasible by construction as far as rooms go: every item fits at
least one room (seats and equipment), and each lecture-room class is asked for
about two thirds of its open time (lecture classes are closed for some half-days
when the programme would otherwise fill less than that), the ultrasound labs for
at most two thirds of theirs. Beyond about 1,000 items the 35 rooms fill up and
the programme may no longer fit. Only ``random.Random(seed)`` is used, so the same
arguments always give an equal instance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from solver.model import Audience, Day, Instance, Item, Person, Precedence, Room, Window

DAY_START = 8 * 60
DAY_END = 18 * 60 + 30
LUNCH_START = 12 * 60 + 30
LUNCH_END = 13 * 60 + 30
STEP = 15
CHANGEOVER = 10

# Share of the open lecture-room time the lecture items fill (closures bring it up to this).
LECTURE_UTILISATION = 0.65
# At most this share of the ultrasound labs' time goes to workshop runs.
LAB_UTILISATION = 0.65
# Lectures have more seats than the ultrasound labs and the exam room.
MIN_LECTURE_SEATS = 25
# Never close more than this share of a lecture class's half-days.
MAX_CLOSED_SHARE = 0.5

ULTRASOUND = "ultrasound_station"
LIVE_MODEL = "live_model_bay"
EXAM = "exam_workstation"

# Topic key, its label in titles, its weight at an ECR-style and at an ESSR-style meeting.
TOPICS: tuple[tuple[str, str, int, int], ...] = (
    ("msk", "Musculoskeletal", 3, 12),
    ("neuro", "Neuroradiology", 4, 1),
    ("chest", "Chest", 4, 1),
    ("abdominal", "Abdominal", 4, 1),
    ("cardiac", "Cardiac", 2, 1),
    ("breast", "Breast", 2, 1),
    ("paediatric", "Paediatric", 2, 2),
    ("interventional", "Interventional", 2, 3),
    ("oncologic", "Oncologic", 3, 2),
    ("physics", "Physics", 1, 1),
    ("emergency", "Emergency", 2, 2),
    ("head-neck", "Head and neck", 2, 1),
    ("urogenital", "Urogenital", 2, 1),
    ("vascular", "Vascular", 2, 1),
    ("ai", "AI", 2, 2),
)
TOPIC_LABEL = {key: label for key, label, _, _ in TOPICS}
# Topics a hands-on ultrasound workshop can be about.
WORKSHOP_TOPICS = ("msk", "abdominal", "vascular", "interventional", "breast", "head-neck", "paediatric")

SUBJECTS = (
    "pitfalls and pearls",
    "what the clinician wants to know",
    "an evidence-based update",
    "case-based review",
    "from protocol to report",
    "emerging techniques",
    "back to basics",
    "structured reporting",
    "controversies",
    "imaging after treatment",
    "the difficult case",
    "dose and quality",
    "state of the art",
    "differential diagnosis made easy",
)
SERIES_NAMES = ("Foundation Course", "Master Class", "Rising Stars", "Advanced Course", "Transatlantic Course")
AUDIENCE_KINDS = ("residents", "interest group", "subspecialty section", "society members", "radiographers")

FIRST_NAMES = (
    "Anna", "Marco", "Sofia", "Lukas", "Elena", "Jan", "Clara", "Pierre", "Ines", "Tomas", "Maria", "Jonas",
    "Laura", "Mateo", "Eva", "Nikolai", "Chiara", "Pedro", "Hanna", "Luca", "Katarzyna", "Filip", "Amelie",
    "Stefan", "Rosa", "Henrik", "Giulia", "Andreas", "Marta", "Oliver", "Zeynep", "Dimitris", "Lea", "Pablo",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Rossi", "García", "Novak", "Jansen", "Dubois", "Schmid", "Kowalski", "Bianchi", "Eriksson",
    "Fernández", "Horvat", "Papadopoulos", "Weber", "Costa", "Lindqvist", "Nagy", "Moreau", "Fischer",
    "Ricci", "Silva", "Dvořák", "Meier", "Petrov", "Martin", "Keller", "Lombardi", "O'Brien", "Virtanen",
    "Hofmann", "Santos", "Kovač", "Janssens", "Romano", "Berg", "Popescu", "Wagner", "Marino", "Nielsen",
)  # fmt: skip


@dataclass
class _Room:
    name: str
    capacity: int
    equipment: dict[str, int]
    closed: list[Window] = field(default_factory=list)


@dataclass
class _Class:
    """Lecture rooms of one capacity, with the same equipment and the same closures."""

    capacity: int
    rooms: list[_Room]
    # Indices into the list of half-days.
    closed: set[int] = field(default_factory=set)


@dataclass
class _Draft:
    kind: str  # "lecture", "workshop", "exam"
    duration: int
    seats: int = 0
    runs: int = 1
    equipment: dict[str, int] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)
    title: str = ""
    prefix: str = ""
    faculty: list[int] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    series: str | None = None
    series_position: int | None = None
    people: int = 0
    cls: int = -1
    # Already in a series, a precedence or restricted to a day.
    bound: bool = False
    ident: int = 0


def room_count(items: int) -> int:
    """About one room per 13 items (400 items: 30 rooms), at least 6 and at most 35."""
    return min(35, max(6, int(items * 3 / 40 + 0.5)))


def day_count(items: int) -> int:
    return 3 if items <= 150 else 5


def _halves(days: list[Day]) -> list[Window]:
    """Mornings and afternoons, in order: half-day ``h`` lies on day ``h // 2``."""
    return [
        window
        for day in days
        for window in (
            Window(start=day.start, end=day.midnight + LUNCH_START),
            Window(start=day.midnight + LUNCH_END, end=day.end),
        )
    ]


def generate(items: int, seed: int = 0) -> Instance:
    """A realistic congress of ``items`` programme items; equal arguments give equal instances."""
    if items < 1:
        raise ValueError("a congress needs at least one item")
    rng = random.Random(seed)  # noqa: S311 - simulation, not security
    essr = items <= 120
    days = [
        Day(start=1440 * k + DAY_START, end=1440 * k + DAY_END, midnight=1440 * k, label=f"Day {k + 1}")
        for k in range(day_count(items))
    ]
    breaks = [Window(start=day.midnight + LUNCH_START, end=day.midnight + LUNCH_END) for day in days]
    halves = _halves(days)

    lecture_rooms, labs, exam_rooms = _essr_rooms(room_count(items)) if essr else _ecr_rooms(room_count(items))
    classes = _classes(lecture_rooms)

    drafts = _special_items(rng, items, labs, exam_rooms, len(days))
    lectures = [
        _Draft(kind="lecture", duration=rng.choices((30, 60, 90), weights=(15, 40, 45))[0])
        for _ in range(items - len(drafts))
    ]
    _close(rng, classes, halves, sum(d.duration for d in lectures))
    _assign_classes(rng, classes, halves, lectures)
    for room_class in classes:
        for room in room_class.rooms:
            room.closed = [halves[h] for h in sorted(room_class.closed)]
    _seats(rng, classes, lectures)
    drafts.extend(lectures)
    _topics_and_titles(rng, drafts, essr)

    series_count = max(1, items // 50) if items >= 12 else 0
    _series(rng, classes, lectures, series_count)
    precedences = _precedences(rng, drafts, items)
    _day_windows(rng, classes, days, lectures, max(1, items // 40) if items >= 10 else 0)

    people = _people(rng, max(3, round(1.2 * items)), days)
    _faculty(rng, drafts, len(people))
    for draft in drafts:
        if draft.kind == "lecture":
            draft.people = int(draft.seats * rng.uniform(0.3, 0.8))

    # Ids are a permutation, so workshops and series are spread over the id range.
    ids = list(range(1, len(drafts) + 1))
    rng.shuffle(ids)
    for draft, ident in zip(drafts, ids, strict=True):
        draft.ident = ident
    result_items = sorted(
        (
            Item(
                id=draft.ident,
                title=draft.title,
                duration=draft.duration,
                seats=draft.seats,
                runs=draft.runs,
                equipment=dict(draft.equipment),
                windows=list(draft.windows),
                faculty=list(draft.faculty),
                topics=list(draft.topics),
                series=draft.series,
                series_position=draft.series_position,
                people=draft.people,
                code=f"{draft.prefix} {draft.ident}",
            )
            for draft in drafts
        ),
        key=lambda item: item.id,
    )
    audiences = _audiences(rng, result_items, max(1, round(items / 10)))
    rooms = [
        Room(id=index, name=room.name, capacity=room.capacity, equipment=dict(room.equipment), unavailable=room.closed)
        for index, room in enumerate([*lecture_rooms, *labs, *exam_rooms], start=1)
    ]
    return Instance(
        days=days,
        rooms=rooms,
        items=result_items,
        people=people,
        breaks=breaks,
        precedences=[Precedence(before=before.ident, after=after.ident, gap=gap) for before, after, gap in precedences],
        audiences=audiences,
        step=STEP,
        changeover=CHANGEOVER,
    )


# --------------------------------------------------------------------------
# Rooms
# --------------------------------------------------------------------------


def _lecture_equipment(capacity: int) -> dict[str, int]:
    if capacity >= 1000:
        return {"projector": 2, "streaming": 1, "recording": 1, "interpretation": 1}
    if capacity >= 150:
        return {"projector": 1, "streaming": 1, "recording": 1}
    return {"projector": 1}


def _us_lab(name: str) -> _Room:
    return _Room(name, 24, {ULTRASOUND: 8, LIVE_MODEL: 8, "projector": 1})


def _essr_rooms(count: int) -> tuple[list[_Room], list[_Room], list[_Room]]:
    medium = 2 if count <= 7 else 3
    small = max(1, count - 3 - medium)
    lecture = [_Room("Auditorium", 600, _lecture_equipment(600))]
    lecture += [
        _Room(f"Sala {'ABC'[k]}", cap, _lecture_equipment(cap)) for k, cap in enumerate((300, 200, 150)[:medium])
    ]
    lecture += [
        _Room(f"Sala {chr(ord('A') + medium + k)}", cap, _lecture_equipment(cap))
        for k, cap in enumerate((80, 60, 40, 60, 40)[:small])
    ]
    return lecture, [_us_lab("US-Lab")], [_Room("Exam Room", 12, {EXAM: 4})]


def _ecr_rooms(count: int) -> tuple[list[_Room], list[_Room], list[_Room]]:
    labs = 2 if count < 33 else 3
    lecture_count = count - labs
    capacities = (2500, 1200, 600, 250, 60)
    counts = [max(1, round(lecture_count * share)) for share in (0.05, 0.12, 0.22, 0.33)]
    counts.append(max(1, lecture_count - sum(counts)))
    lecture: list[_Room] = []
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    for capacity, number in zip(capacities, counts, strict=True):
        for k in range(number):
            name = f"Studio {k + 1}" if capacity < 100 else f"Room {next(letters)}"
            lecture.append(_Room(name, capacity, _lecture_equipment(capacity)))
    return lecture, [_us_lab(f"US Lab {k + 1}") for k in range(labs)], []


def _classes(rooms: list[_Room]) -> list[_Class]:
    """Lecture rooms grouped by capacity, largest first."""
    by_capacity: dict[int, list[_Room]] = {}
    for room in rooms:
        by_capacity.setdefault(room.capacity, []).append(room)
    return [_Class(capacity, by_capacity[capacity]) for capacity in sorted(by_capacity, reverse=True)]


def _open_minutes(room_class: _Class, halves: list[Window]) -> int:
    """Lecture minutes of one room of the class."""
    return sum(w.end - w.start for h, w in enumerate(halves) if h not in room_class.closed)


def _close(rng: random.Random, classes: list[_Class], halves: list[Window], demand: int) -> None:
    """Close every lecture class for the same share of half-days, so the lectures fill about
    ``LECTURE_UTILISATION`` of what stays open; closures are spread evenly over the half-days."""
    supply = sum(_open_minutes(c, halves) * len(c.rooms) for c in classes)
    if supply == 0 or demand >= LECTURE_UTILISATION * supply:
        return
    share = min(MAX_CLOSED_SHARE, 1 - demand / (LECTURE_UTILISATION * supply))
    closures = [0] * len(halves)
    order = list(range(len(classes)))
    rng.shuffle(order)
    for index in order:
        count = round(share * len(halves))
        ranked = sorted(range(len(halves)), key=lambda h: (closures[h], rng.random()))
        for h in ranked[:count]:
            classes[index].closed.add(h)
            closures[h] += 1


def _assign_classes(rng: random.Random, classes: list[_Class], halves: list[Window], lectures: list[_Draft]) -> None:
    """Each lecture goes to a capacity class, in proportion to the class's open time."""
    supply = [_open_minutes(c, halves) * len(c.rooms) for c in classes]
    demand = sum(d.duration for d in lectures)
    total = sum(supply)
    remaining = [s * demand / total for s in supply]
    for draft in sorted(lectures, key=lambda d: -d.duration):
        weights = [max(r, 0.0) for r in remaining]
        if sum(weights) > 0:
            index = rng.choices(range(len(classes)), weights=weights)[0]
        else:
            index = max(range(len(classes)), key=lambda k: remaining[k] / supply[k])
        draft.cls = index
        remaining[index] -= draft.duration


def _seats(rng: random.Random, classes: list[_Class], lectures: list[_Draft]) -> None:
    """Seats between about the next smaller room and the class's own capacity, skewed low;
    never so few that a lecture would fit a lab and take its time from the workshops."""
    for draft in lectures:
        capacity = classes[draft.cls].capacity
        lower = classes[draft.cls + 1].capacity if draft.cls + 1 < len(classes) else 0
        low = max(MIN_LECTURE_SEATS, int(lower * 0.8))
        seats = low + int((capacity - low) * rng.random() ** 1.5)
        draft.seats = max(low, min(capacity, seats - seats % 5))


# --------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------


def _special_items(
    rng: random.Random, items: int, labs: list[_Room], exam_rooms: list[_Room], days: int
) -> list[_Draft]:
    """Hands-on ultrasound workshops (two runs) and, at an ESSR-style meeting, the oral exam."""
    drafts: list[_Draft] = []
    if exam_rooms and items >= 20:
        drafts.append(
            _Draft(
                kind="exam",
                duration=90,
                seats=12,
                equipment={EXAM: 4},
                topics=["msk"],
                title="EDiMSK oral examination",
                prefix="EX",
                people=8,
            )
        )
    budget = LAB_UTILISATION * len(labs) * days * (DAY_END - DAY_START - (LUNCH_END - LUNCH_START))
    used = 0
    for _ in range(round(items / 10)):
        duration = 90 if rng.random() < 0.3 and used + 180 <= budget else 60
        if used + 2 * duration > budget:
            break
        used += 2 * duration
        stations = rng.choice((4, 6, 8, 8))
        equipment = {ULTRASOUND: stations}
        if rng.random() < 0.5:
            equipment[LIVE_MODEL] = stations
        seats = 2 * stations
        drafts.append(
            _Draft(kind="workshop", duration=duration, seats=seats, runs=2, equipment=equipment, people=seats)
        )
    return drafts


def _topics_and_titles(rng: random.Random, drafts: list[_Draft], essr: bool) -> None:
    keys = [key for key, _, _, _ in TOPICS]
    weights = [essr_weight if essr else ecr_weight for _, _, ecr_weight, essr_weight in TOPICS]
    for draft in drafts:
        if draft.kind == "exam":
            continue
        if draft.kind == "workshop":
            topic = rng.choice(WORKSHOP_TOPICS)
            draft.topics = [topic]
            draft.title = f"Hands-on workshop: {TOPIC_LABEL[topic].lower()} ultrasound"
            draft.prefix = "HW"
            continue
        first = rng.choices(keys, weights=weights)[0]
        topics = [first]
        if rng.random() < 0.45:
            second = rng.choices(keys, weights=weights)[0]
            if second != first:
                topics.append(second)
        draft.topics = topics
        subject = rng.choice(SUBJECTS)
        label = " and ".join(TOPIC_LABEL[t] if i == 0 else TOPIC_LABEL[t].lower() for i, t in enumerate(topics))
        if topics[0] == "ai" and len(topics) > 1:
            label = f"AI in {TOPIC_LABEL[topics[1]].lower()} imaging"
        draft.title = f"{label}: {subject}"
        if draft.duration == 30:
            draft.prefix = "MTE"
        elif draft.duration == 60:
            draft.prefix = rng.choice(("RC", "RC", "SF"))
        elif draft.seats >= 1000:
            draft.prefix = "SA"
        else:
            draft.prefix = rng.choice(("SS", "MS"))


def _series(rng: random.Random, classes: list[_Class], lectures: list[_Draft], count: int) -> None:
    """Courses of three consecutive parts, all in one capacity class and on one topic."""
    for number in range(count):
        candidates = [k for k in range(len(classes)) if sum(1 for d in lectures if d.cls == k and not d.bound) >= 3]
        if not candidates:
            return
        cls = rng.choice(candidates)
        parts = rng.sample([d for d in lectures if d.cls == cls and not d.bound], 3)
        topic = parts[0].topics[0]
        name = f"{TOPIC_LABEL[topic]} {SERIES_NAMES[number % len(SERIES_NAMES)]}"
        if number >= len(SERIES_NAMES):
            name += f" {number // len(SERIES_NAMES) + 1}"
        for position, draft in enumerate(parts, start=1):
            draft.bound = True
            draft.series = name
            draft.series_position = position
            draft.topics = [topic, *[t for t in draft.topics if t != topic][:1]]
            draft.title = f"{name} {position}/3: {rng.choice(SUBJECTS)}"
            draft.prefix = "E3"


def _precedences(rng: random.Random, drafts: list[_Draft], items: int) -> list[tuple[_Draft, _Draft, int]]:
    """Part A before part B: pairs of workshops (run k after run k) and of lectures (basic, advanced)."""
    pairs: list[tuple[_Draft, _Draft, int]] = []
    workshops = [d for d in drafts if d.kind == "workshop"]
    rng.shuffle(workshops)
    for k in range(len(workshops) // 6 if len(workshops) >= 6 else min(1, len(workshops) // 2)):
        before, after = workshops[2 * k], workshops[2 * k + 1]
        after.topics = list(before.topics)
        topic = TOPIC_LABEL[before.topics[0]].lower()
        before.title = f"Hands-on workshop: {topic} ultrasound (part A)"
        after.title = f"Hands-on workshop: {topic} ultrasound (part B)"
        pairs.append((before, after, rng.choice((0, 0, 15))))
    free = [d for d in drafts if d.kind == "lecture" and not d.bound]
    rng.shuffle(free)
    for k in range(min(max(1, items // 60), len(free) // 2) if items >= 10 else 0):
        before, after = free[2 * k], free[2 * k + 1]
        before.bound = after.bound = True
        after.topics = [before.topics[0], *[t for t in after.topics if t != before.topics[0]][:1]]
        topic = TOPIC_LABEL[before.topics[0]]
        before.title = f"{topic} essentials (part A): {rng.choice(SUBJECTS)}"
        after.title = f"{topic} advanced (part B): {rng.choice(SUBJECTS)}"
        pairs.append((before, after, rng.choice((0, 15, 30))))
    return pairs


def _day_windows(
    rng: random.Random, classes: list[_Class], days: list[Day], lectures: list[_Draft], count: int
) -> None:
    """A few lectures may only take place on one day (a speaker's travel, a society's meeting)."""
    free = [d for d in lectures if not d.bound]
    for draft in rng.sample(free, min(count, len(free))):
        # Days on which a room of this class or a larger one is open for at least half a day.
        fitting = classes[: draft.cls + 1]
        possible = [
            day
            for number, day in enumerate(days)
            if any(h not in c.closed for c in fitting for h in (2 * number, 2 * number + 1))
        ]
        if not possible:
            continue
        day = rng.choice(possible)
        draft.windows = [Window(start=day.start, end=day.end)]
        draft.bound = True


# --------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------


def _people(rng: random.Random, count: int, days: list[Day]) -> list[Person]:
    """Faculty: about 5% away for one half-day, about 10% with a preferred day or half-day."""
    halves = _halves(days)
    away = set(rng.sample(range(count), round(0.05 * count)))
    preferring = set(rng.sample(range(count), round(0.10 * count)))
    people: list[Person] = []
    for index in range(count):
        unavailable = [rng.choice(halves)] if index in away else []
        preferred: list[Window] = []
        if index in preferring:
            if rng.random() < 0.5:
                day = rng.choice(days)
                preferred = [Window(start=day.start, end=day.end)]
            else:
                preferred = [rng.choice(halves)]
        people.append(
            Person(
                id=index + 1,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                unavailable=unavailable,
                preferred=preferred,
            )
        )
    return people


def _faculty(rng: random.Random, drafts: list[_Draft], people: int) -> None:
    """One to three faculty per item; most people teach once, some two to four times."""
    wanted = []
    for draft in drafts:
        if draft.kind == "exam":
            wanted.append(3)
        elif draft.kind == "workshop":
            wanted.append(rng.choice((2, 2, 3)))
        else:
            wanted.append(rng.choices((1, 2, 3), weights=(30, 40, 30))[0])
    wanted = [min(w, people) for w in wanted]
    slots = sum(wanted)
    loads = [1] * people
    extra = slots - people
    while extra > 0:
        weights = [0 if load >= 4 else (1 if load == 1 else 3) for load in loads]
        if sum(weights) == 0:
            break
        loads[rng.choices(range(people), weights=weights)[0]] += 1
        extra -= 1
    bag = [person for person, load in enumerate(loads, start=1) for _ in range(load)]
    rng.shuffle(bag)
    for draft, count in zip(drafts, wanted, strict=True):
        chosen: list[int] = []
        while len(chosen) < count:
            if bag:
                # Take the first person in the bag who is not already on this item.
                position = next((k for k, p in enumerate(bag) if p not in chosen), None)
                if position is not None:
                    chosen.append(bag.pop(position))
                    continue
            chosen.append(rng.choice([p for p in range(1, people + 1) if p not in chosen]))
        draft.faculty = sorted(chosen)


def _audiences(rng: random.Random, items: list[Item], count: int) -> list[Audience]:
    """Groups of three to five items on a shared topic that the same people want to attend."""
    by_topic: dict[str, list[int]] = {}
    for item in items:
        for topic in item.topics:
            by_topic.setdefault(topic, []).append(item.id)
    topics = sorted(t for t, ids in by_topic.items() if len(ids) >= 3)
    audiences: list[Audience] = []
    if not topics:
        return audiences
    weights = [len(by_topic[t]) for t in topics]
    for _ in range(count):
        topic = rng.choices(topics, weights=weights)[0]
        members = sorted(rng.sample(by_topic[topic], min(rng.randint(3, 5), len(by_topic[topic]))))
        audiences.append(
            Audience(
                items=members,
                size=20 + int(180 * rng.random() ** 2),
                label=f"{TOPIC_LABEL[topic]} {rng.choice(AUDIENCE_KINDS)}",
            )
        )
    return audiences
