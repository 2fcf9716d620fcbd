"""Sessions of talks: blocks made of slots, tracks that take block × room cells, talks in order, their costs."""

from __future__ import annotations

import random
from typing import Any

import pytest

from solver.costs import TERMS, TRACK_TERMS, evaluate, total
from solver.engine import solve
from solver.explain import explain
from solver.model import (
    Block,
    Conflict,
    Day,
    Instance,
    Item,
    Params,
    Person,
    Placement,
    Precedence,
    Room,
    Solution,
    TimeCost,
    Track,
    TrackPair,
    Weights,
)
from solver.prep import slot_start
from solver.validate import validate

MON = Day(start=8 * 60, end=18 * 60, midnight=0, label="Mon")
HALL = Room(id=1, name="Hall", capacity=100)
STUDIO = Room(id=2, name="Studio", capacity=100)
LAB = Room(id=3, name="Lab", capacity=100)
# Three blocks: two of two 30-minute slots, one of three 20-minute slots.
B1 = Block(id=1, start=9 * 60, end=10 * 60, slots=2, label="B1")
B2 = Block(id=2, start=10 * 60, end=11 * 60, slots=2, label="B2")
B3 = Block(id=3, start=11 * 60, end=12 * 60, slots=3, label="B3")
T1, T2 = 1, 2


def talk(item_id: int, track: int = T1, **fields: Any) -> Item:
    return Item(id=item_id, **{"title": f"Talk {item_id}", "duration": 0, "track": track, **fields})


def track(track_id: int, **fields: Any) -> Track:
    return Track(id=track_id, **{"name": f"Track {track_id}", **fields})


def programme(items: list[Item], tracks: list[Track] | None = None, **fields: Any) -> Instance:
    return Instance(
        **{
            "days": [MON],
            "rooms": [HALL, STUDIO],
            "blocks": [B1, B2, B3],
            "tracks": tracks if tracks is not None else [track(T1), track(T2)],
            "items": items,
            **fields,
        }
    )


def at(item_id: int, block: Block, room: Room, slot: int = 0) -> Placement:
    return Placement(item=item_id, run=1, room=room.id, start=slot_start(block, slot))


def solved(problem: Instance, limit: float = 10.0) -> Solution:
    """Solved to optimality, every talk placed, no hard rule broken, the objective as the costs say."""
    solution = solve(problem, Params(time_limit=limit, workers=2, seed=1))
    assert solution.status == "optimal", solution
    assert solution.violations == []
    assert {p.item for p in solution.placements} == {i.id for i in problem.items}
    assert solution.objective == total(solution.terms)
    return solution


def priced(problem: Instance, placements: list[Placement]) -> dict[str, int]:
    """The cost of every term of talks that costs something."""
    found = evaluate(problem, placements, Weights())
    assert [t.name for t in found] == [*TERMS, *TRACK_TERMS]
    return {t.name: t.cost for t in found if t.cost}


def where(solution: Solution, problem: Instance) -> dict[int, tuple[str, int, int]]:
    """item -> (block label, room id, slot)."""
    out = {}
    for p in solution.placements:
        for block in problem.blocks:
            starts = [slot_start(block, j) for j in range(block.slots)]
            if p.start in starts:
                out[p.item] = (block.label, p.room, starts.index(p.start))
    return out


# -- hard rules ------------------------------------------------------------------------------------


def test_talks_fill_cells_of_their_own_track_and_no_cell_holds_two_tracks() -> None:
    problem = programme([talk(i, T1) for i in range(1, 5)] + [talk(i, T2) for i in range(5, 9)])
    solution = solved(problem)
    placed = where(solution, problem)
    assert len(placed) == 8
    cells: dict[tuple[str, int], set[int]] = {}
    for item_id, (block, room, _slot) in placed.items():
        cells.setdefault((block, room), set()).add(T1 if item_id < 5 else T2)
    assert all(len(tracks) == 1 for tracks in cells.values())
    slots = [(b, r, s) for b, r, s in placed.values()]
    assert len(set(slots)) == len(slots)


def test_a_talk_of_several_slots_fills_consecutive_slots_of_one_cell() -> None:
    problem = programme([talk(1, slots=3), talk(2), talk(3, T2)])
    solution = solved(problem)
    placed = where(solution, problem)
    # Only the third block has three slots.
    assert placed[1] == ("B3", placed[1][1], 0)
    assert placed[2][:2] != ("B3", placed[1][1])


def test_nobody_is_in_two_rooms_of_one_block() -> None:
    # Both talks would rather be in B1; the presenter of both cannot be in two rooms at once.
    dear = {B2.id: 100, B3.id: 100}
    problem = programme(
        [talk(1, T1, faculty=[10], block_costs=dear), talk(2, T2, faculty=[10], block_costs=dear)],
        people=[Person(id=10, name="Ada")],
    )
    solution = solved(problem)
    placed = where(solution, problem)
    assert placed[1][0] != placed[2][0]
    assert solution.objective == 100


def test_a_chair_is_in_every_cell_of_their_track() -> None:
    # One chair for both tracks: never in the same block; their track never in two rooms of a block.
    cheap_b1 = {B2.id: 50, B3.id: 50}
    problem = programme(
        [talk(i, T1, block_costs=cheap_b1) for i in range(1, 5)] + [talk(5, T2, block_costs=cheap_b1)],
        tracks=[track(T1, chairs=[20]), track(T2, chairs=[20])],
        people=[Person(id=20, name="Bo")],
    )
    solution = solved(problem)
    placed = where(solution, problem)
    blocks_of_t1 = [b for i, (b, _r, _s) in placed.items() if i < 5]
    rooms_by_block = {b: {r for i, (bb, r, _s) in placed.items() if i < 5 and bb == b} for b in blocks_of_t1}
    assert all(len(rooms) == 1 for rooms in rooms_by_block.values())
    assert placed[5][0] not in blocks_of_t1


def test_the_validator_names_each_broken_rule_of_talks() -> None:
    problem = programme(
        [talk(1, faculty=[10]), talk(2, T2, faculty=[10]), talk(3, slots=2), talk(4, T2), talk(5, track=9)],
        tracks=[track(T1, chairs=[20]), track(T2)],
        people=[Person(id=10, name="Ada"), Person(id=20, name="Bo")],
    )
    placements = [
        at(1, B1, HALL),
        at(2, B1, STUDIO),  # Ada presents in two rooms of B1
        at(3, B2, HALL, slot=1),  # two slots from the last slot of a two-slot block
        at(4, B2, HALL),  # a talk of another track in Track 1's cell
        Placement(item=5, run=1, room=HALL.id, start=11 * 60 + 5),  # unknown track, and not at a slot
    ]
    codes = {v.code for v in validate(problem, placements)}
    assert {"person_rooms", "past_block", "cell_shared", "unknown_track", "off_slot"} <= codes


def test_an_ordinary_item_never_shares_a_room_with_a_block_in_use() -> None:
    keynote = Item(id=9, title="Keynote", duration=60, seats=80, faculty=[10])
    # Only the hall seats the keynote; the talks would rather be in the hall too.
    problem = programme(
        [talk(1, room_costs={STUDIO.id: 5}, faculty=[10]), talk(2, T2, room_costs={STUDIO.id: 5}), keynote],
        rooms=[HALL, Room(id=2, name="Studio", capacity=30)],
        people=[Person(id=10, name="Ada")],
    )
    solution = solved(problem)
    keynote_at = next(p for p in solution.placements if p.item == 9)
    for p in solution.placements:
        if p.item != 9 and p.room == keynote_at.room:
            block = next(b for b in problem.blocks if b.start <= p.start < b.end)
            assert keynote_at.start >= block.end or keynote_at.start + 60 <= block.start


def test_talks_are_ordered_by_their_place_not_by_precedences_or_pins() -> None:
    problem = programme(
        [talk(1), talk(2)],
        precedences=[Precedence(before=2, after=1, gap=600)],
        pins=[Placement(item=1, run=1, room=HALL.id, start=7 * 60)],
    )
    solution = solved(problem)
    assert validate(problem, [at(1, B1, HALL), at(2, B1, HALL, 1)]) == []
    assert len(solution.placements) == 2


# -- costs -----------------------------------------------------------------------------------------


def test_cells_pay_their_track_block_and_room_costs() -> None:
    problem = programme(
        [talk(1)],
        tracks=[track(T1, block_costs={B1.id: 5, B3.id: 9}, room_costs={HALL.id: 7})],
        blocks=[B1, Block(id=2, start=B2.start, end=B2.end, slots=2, label="B2", room_costs={STUDIO.id: 3}), B3],
    )
    assert priced(problem, [at(1, B1, HALL)]) == {"track_block": 5, "track_room": 7}
    assert priced(problem, [at(1, B2, STUDIO)]) == {"block_room": 3}
    solution = solved(problem)
    assert where(solution, problem)[1] == ("B2", STUDIO.id, 0)
    assert solution.objective == 3


def test_similar_tracks_pay_for_every_pair_of_their_cells_in_one_block() -> None:
    problem = programme(
        [talk(1), talk(2), talk(3, T2)],
        rooms=[HALL, STUDIO, LAB],
        track_pairs=[TrackPair(a=T1, b=T2, cost=4)],
    )
    assert priced(problem, [at(1, B1, HALL), at(2, B1, STUDIO), at(3, B1, LAB)]) == {"similar_tracks": 8}
    assert priced(problem, [at(1, B1, HALL), at(2, B1, HALL, 1), at(3, B2, LAB)]) == {}
    assert solved(problem).objective == 0


def test_session_hopping_parallel_cells_and_scattered_blocks_are_counted() -> None:
    rules = {"room_change_cost": 2, "parallel_cost": 3, "scattered_cost": 5}
    problem = programme([talk(i) for i in range(1, 5)], tracks=[track(T1, **rules)])
    # Hall and Studio in B1 (one parallel cell, two rooms), then B3 (B2 skipped).
    placements = [at(1, B1, HALL), at(2, B1, STUDIO), at(3, B3, HALL), at(4, B3, HALL, 1)]
    assert priced(problem, placements) == {"track_rooms": 2, "track_parallel": 3, "track_scattered": 5}
    # Four talks fit two consecutive blocks of one room.
    solution = solved(problem)
    assert solution.objective == 0
    placed = where(solution, problem)
    assert len({r for _b, r, _s in placed.values()}) == 1


def test_talks_with_a_place_come_in_that_order() -> None:
    items = [talk(1, place=2), talk(2, place=1), talk(3, place=3), talk(4)]
    problem = programme(items, tracks=[track(T1, order_cost=1)], rooms=[HALL])
    wrong = [at(1, B1, HALL), at(2, B1, HALL, 1), at(3, B2, HALL), at(4, B2, HALL, 1)]
    assert priced(problem, wrong) == {"track_order": 2}
    solution = solved(problem)
    assert solution.objective == 0
    placed = where(solution, problem)
    sequence = sorted(placed, key=lambda i: ("B1B2B3".index(placed[i][0]), placed[i][1], placed[i][2]))
    assert sequence.index(2) < sequence.index(1) < sequence.index(3)
    assert sequence.index(3) == 2


def test_two_talks_with_a_place_in_one_slot_pay_for_it() -> None:
    problem = programme([talk(1, place=1), talk(2, place=2)], tracks=[track(T1, order_cost=1)])
    # In parallel rooms, the same slot: both misplaced or not, they also share a slot.
    assert priced(problem, [at(1, B1, HALL), at(2, B1, STUDIO)]) == {"track_order": 1}
    assert priced(problem, [at(1, B1, HALL), at(2, B1, STUDIO, 1)]) == {}


def test_talks_pay_their_block_room_and_start_costs() -> None:
    problem = programme(
        [
            talk(
                1,
                block_costs={B1.id: 4},
                room_costs={HALL.id: 2},
                start_costs=[TimeCost(start=B2.start, end=B2.end, cost=3)],
            )
        ]
    )
    assert priced(problem, [at(1, B1, HALL)]) == {"item_block": 4, "item_room": 2}
    assert priced(problem, [at(1, B2, STUDIO, 1)]) == {"start_cost": 3}
    solution = solved(problem)
    assert where(solution, problem)[1][:2] == ("B3", STUDIO.id)
    assert solution.objective == 0


def test_an_ordinary_item_pays_for_its_start_time() -> None:
    problem = Instance(
        days=[MON],
        rooms=[HALL],
        items=[Item(id=1, title="Remote lecture", duration=60, start_costs=[TimeCost(start=0, end=12 * 60, cost=9)])],
        step=60,
    )
    solution = solved(problem)
    assert solution.placements[0].start >= 12 * 60
    terms = {t.name: t.cost for t in evaluate(problem, [Placement(item=1, run=1, room=1, start=9 * 60)], Weights())}
    assert terms["start_cost"] == 9


def test_conflicts_pay_per_block_and_per_shared_slot() -> None:
    conflict = Conflict(a=1, b=2, block_cost=5, slot_cost=2)
    problem = programme([talk(1), talk(2, T2), talk(3, T2)], conflicts=[conflict])
    assert priced(problem, [at(1, B1, HALL), at(2, B1, STUDIO), at(3, B2, HALL)]) == {
        "conflict_block": 5,
        "conflict_slot": 2,
    }
    assert priced(problem, [at(1, B1, HALL), at(2, B1, STUDIO, 1), at(3, B2, HALL)]) == {"conflict_block": 5}
    assert priced(problem, [at(1, B1, HALL), at(2, B2, STUDIO), at(3, B2, STUDIO, 1)]) == {}
    assert solved(problem).objective == 0


def test_an_instance_without_talks_reports_only_the_programme_terms() -> None:
    problem = Instance(days=[MON], rooms=[HALL], items=[Item(id=1, title="Lecture", duration=60)])
    found = evaluate(problem, [Placement(item=1, run=1, room=1, start=9 * 60)], Weights())
    assert [t.name for t in found] == list(TERMS)


# -- explanations ----------------------------------------------------------------------------------


def test_a_talk_that_fits_no_block_is_explained() -> None:
    problem = programme([talk(1, slots=4), talk(2)])
    solution = solve(problem, Params(time_limit=5, seed=1))
    assert solution.status == "infeasible"
    assert [e.code for e in solution.explanations] == ["no_cell"]
    assert "longest usable block has 3" in solution.explanations[0].message


def test_more_talks_than_slots_are_explained() -> None:
    problem = programme([talk(i, T1 if i % 2 else T2) for i in range(1, 16)])
    assert [e.code for e in explain(problem)] == ["not_enough_slots"]


# -- the objective is the cost -----------------------------------------------------------------------


def _random_programme(seed: int) -> Instance:
    rng = random.Random(seed)
    blocks = [
        Block(
            id=k + 1,
            start=(9 + k) * 60,
            end=(10 + k) * 60,
            slots=rng.choice([2, 3]),
            label=f"B{k + 1}",
            room_costs={r: rng.choice([0, 0, 2]) for r in (1, 2, 3)},
        )
        for k in range(4)
    ]
    tracks = [
        Track(
            id=t,
            name=f"Track {t}",
            block_costs={b.id: rng.choice([0, 0, 0, 3]) for b in blocks},
            room_costs={r: rng.choice([0, 0, 1]) for r in (1, 2, 3)},
            room_change_cost=1,
            parallel_cost=1,
            scattered_cost=2,
            order_cost=1,
        )
        for t in (1, 2, 3)
    ]
    items = []
    for i in range(1, 15):
        items.append(
            Item(
                id=i,
                title=f"Talk {i}",
                duration=0,
                track=rng.choice([1, 2, 3]),
                slots=2 if i % 7 == 0 else 1,
                place=rng.choice([0, 0, 1, 2]),
                faculty=[100 + rng.randrange(12)],
                block_costs={b.id: rng.choice([0, 0, 1]) for b in blocks},
                start_costs=[TimeCost(start=blocks[0].start, end=blocks[0].end, cost=1)] if i % 3 == 0 else [],
            )
        )
    return Instance(
        days=[MON],
        rooms=[HALL, STUDIO, LAB],
        items=items,
        people=[Person(id=100 + k, name=f"P{k}") for k in range(12)],
        blocks=blocks,
        tracks=tracks,
        track_pairs=[TrackPair(a=1, b=2, cost=2)],
        conflicts=[Conflict(a=1, b=2, block_cost=1, slot_cost=1), Conflict(a=3, b=4, block_cost=1, slot_cost=1)],
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_schedule_found_costs_what_the_objective_says(seed: int) -> None:
    problem = _random_programme(seed)
    seen: list[int] = []
    solution = solve(problem, Params(time_limit=3, workers=2, seed=seed), lambda p: seen.append(p.objective or 0))
    assert solution.status in ("optimal", "feasible")
    assert solution.violations == []
    assert {p.item for p in solution.placements} == {i.id for i in problem.items}
    assert solution.objective == total(solution.terms)
