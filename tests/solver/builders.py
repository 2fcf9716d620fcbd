"""Small hand-made instances for the solver tests: two days, a hall and a studio, minutes from Monday 00:00."""

from __future__ import annotations

from typing import Any

from solver.model import Day, Instance, Item, Person, Room, Window

MON = Day(start=8 * 60, end=18 * 60, midnight=0, label="Mon")
TUE = Day(start=1440 + 8 * 60, end=1440 + 18 * 60, midnight=1440, label="Tue")
HALL = Room(id=1, name="Hall", capacity=100)
STUDIO = Room(id=2, name="Studio", capacity=30)


def hm(hours: int, minutes: int = 0, day: int = 0) -> int:
    """Minutes from the origin for a local time on day 0 (Mon) or 1 (Tue)."""
    return 1440 * day + 60 * hours + minutes


def window(start: int, end: int) -> Window:
    return Window(start=start, end=end)


def item(item_id: int, **fields: Any) -> Item:
    return Item(id=item_id, **{"title": f"Item {item_id}", "duration": 60, **fields})


def instance(items: list[Item], people: list[Person], **fields: Any) -> Instance:
    return Instance(**{"days": [MON], "rooms": [HALL, STUDIO], "items": items, "people": people, **fields})
