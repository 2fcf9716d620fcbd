"""Agendas and workshop seats: who may take a seat, where, and how many."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, next_draft, released_programme


def attendee(api: Api, engine: Engine, congress_id: str, name: str, status: str | None = "active") -> Api:
    person = api.person(name=name)
    if status is not None:
        api.registration(congress_id, person["id"], status=status)
    return Api(api.client, issue_token(engine, Role.ATTENDEE, uuid.UUID(person["id"])))


def seat_path(congress_id: str, item_id: str) -> str:
    return f"/api/congresses/{congress_id}/agenda/seats/{item_id}"


def test_star_is_idempotent_and_unstar_removes_it(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid, rc1 = setup["congress"], setup["items"]["RC 1"]
    me = attendee(api, clean_db, cid, "Ann")
    first = me.call("PUT", f"/api/congresses/{cid}/agenda/stars/{rc1}")
    again = me.call("PUT", f"/api/congresses/{cid}/agenda/stars/{rc1}")
    assert first == again
    assert [s["item_id"] for s in me.call("GET", f"/api/congresses/{cid}/agenda")["stars"]] == [rc1]
    me.call("DELETE", f"/api/congresses/{cid}/agenda/stars/{rc1}")
    assert me.call("GET", f"/api/congresses/{cid}/agenda")["stars"] == []
    assert me.call("DELETE", f"/api/congresses/{cid}/agenda/stars/{rc1}", status=404)["code"] == "not_starred"


def test_star_of_an_item_of_another_congress_is_not_found(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    other = api.congress()
    me = attendee(api, clean_db, other["id"], "Ann")
    me.call("PUT", f"/api/congresses/{other['id']}/agenda/stars/{setup['items']['RC 1']}", status=404)


def test_seat_needs_an_active_registration(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid, hw = setup["congress"], setup["items"]["HW 1"]
    for name, status in (("Nobody", None), ("Pending", "pending"), ("Cancelled", "cancelled")):
        me = attendee(api, clean_db, cid, name, status)
        assert me.call("PUT", seat_path(cid, hw), {"run": 1}, status=409)["code"] == "not_registered"


def test_seat_in_an_item_without_limited_seats_is_refused(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    me = attendee(api, clean_db, setup["congress"], "Ann")
    problem = me.call("PUT", seat_path(setup["congress"], setup["items"]["RC 1"]), {"run": 1}, status=422)
    assert problem["code"] == "no_seats"


def test_seat_in_a_run_the_item_does_not_have_is_refused(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    me = attendee(api, clean_db, setup["congress"], "Ann")
    problem = me.call("PUT", seat_path(setup["congress"], setup["items"]["HW 1"]), {"run": 3}, status=422)
    assert problem["code"] == "no_such_run"


def test_seat_in_a_run_not_released_is_refused(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid = setup["congress"]
    late = api.item(cid, code="HW 2", kind="hands_on_workshop", title="Hip ultrasound", capacity=10)
    me = attendee(api, clean_db, cid, "Ann")
    assert me.call("PUT", seat_path(cid, late["id"]), {"run": 1}, status=409)["code"] == "run_not_released"


def test_seats_stop_at_the_capacity_of_a_run(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid, hw = setup["congress"], setup["items"]["HW 1"]
    api.call("PATCH", f"/api/congresses/{cid}/items/{hw}", {"capacity": 2})
    people = [attendee(api, clean_db, cid, f"P{n}") for n in range(4)]
    people[0].call("PUT", seat_path(cid, hw), {"run": 1})
    people[1].call("PUT", seat_path(cid, hw), {"run": 1})
    assert people[2].call("PUT", seat_path(cid, hw), {"run": 1}, status=409)["code"] == "run_full"
    seat = people[2].call("PUT", seat_path(cid, hw), {"run": 2})
    assert (seat["run"], seat["room"]) == (2, "US-Lab")
    assert seat["starts_at"] == "2026-06-19T14:00:00+02:00"
    seats = api.call("GET", f"/api/congresses/{cid}/items/{hw}/seats")
    assert [(r["run"], r["taken"], r["left"]) for r in seats["runs"]] == [(1, 2, 0), (2, 1, 1)]


def test_asking_for_another_run_moves_the_seat(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid, hw = setup["congress"], setup["items"]["HW 1"]
    me = attendee(api, clean_db, cid, "Ann")
    me.call("PUT", seat_path(cid, hw), {"run": 1})
    assert me.call("PUT", seat_path(cid, hw), {"run": 1})["run"] == 1  # idempotent
    me.call("PUT", seat_path(cid, hw), {"run": 2})
    assert [(s["item_id"], s["run"]) for s in me.call("GET", f"/api/congresses/{cid}/agenda")["seats"]] == [(hw, 2)]


def test_moving_to_a_full_run_keeps_the_seat_held(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid, hw = setup["congress"], setup["items"]["HW 1"]
    api.call("PATCH", f"/api/congresses/{cid}/items/{hw}", {"capacity": 1})
    ann, bea = attendee(api, clean_db, cid, "Ann"), attendee(api, clean_db, cid, "Bea")
    ann.call("PUT", seat_path(cid, hw), {"run": 1})
    bea.call("PUT", seat_path(cid, hw), {"run": 2})
    assert ann.call("PUT", seat_path(cid, hw), {"run": 2}, status=409)["code"] == "run_full"
    assert [s["run"] for s in ann.call("GET", f"/api/congresses/{cid}/agenda")["seats"]] == [1]


def test_giving_up_a_seat_frees_it(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid, hw = setup["congress"], setup["items"]["HW 1"]
    api.call("PATCH", f"/api/congresses/{cid}/items/{hw}", {"capacity": 1})
    ann, bea = attendee(api, clean_db, cid, "Ann"), attendee(api, clean_db, cid, "Bea")
    ann.call("PUT", seat_path(cid, hw), {"run": 1})
    bea.call("PUT", seat_path(cid, hw), {"run": 1}, status=409)
    ann.call("DELETE", seat_path(cid, hw))
    assert bea.call("PUT", seat_path(cid, hw), {"run": 1})["person_name"] == "Bea"
    assert ann.call("DELETE", seat_path(cid, hw), status=404)["code"] == "no_seat"


def test_seat_in_a_run_a_release_cancelled_shows_no_place(api: Api, clean_db: Engine) -> None:
    setup = released_programme(api)
    cid, hw = setup["congress"], setup["items"]["HW 1"]
    me = attendee(api, clean_db, cid, "Ann")
    me.call("PUT", seat_path(cid, hw), {"run": 2})
    draft, rows = next_draft(api, cid, setup["version"])
    api.call("DELETE", f"/api/congresses/{cid}/versions/{draft}/assignments/{rows[(hw, 2)]}")
    api.release(cid, draft)
    [seat] = me.call("GET", f"/api/congresses/{cid}/agenda")["seats"]
    assert (seat["run"], seat["starts_at"], seat["room"]) == (2, None, None)


def test_token_without_a_person_has_no_agenda(api: Api, client: TestClient[Litestar]) -> None:
    setup = released_programme(api)
    problem = api.call("GET", f"/api/congresses/{setup['congress']}/agenda", status=403)
    assert problem["code"] == "no_person"
