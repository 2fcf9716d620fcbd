"""Who may do what: every route of the app, for every role, on one's own and on
another person's objects. A route without a case here fails the suite."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient
from sqlalchemy import Engine, insert

from congress.app import create_app
from congress.db.base import metadata
from congress.db.models import OutboxMessage
from congress.lib.http import ACCESS_KEY, Access
from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import Api, eligible_documents

MEMBER_ROLES = [Role.EXAMINER, Role.CANDIDATE, Role.ATTENDEE, Role.STEWARD]
WHO = ["anonymous", "organiser", *[r.value for r in MEMBER_ROLES]]

World = dict[str, Any]


def build_world(api: Api, engine: Engine) -> World:
    w: World = {}
    c = api.congress()
    w["congress"] = c["id"]
    w["room"] = api.room(c["id"], name="Auditorium A", capacity=800)["id"]
    alice = api.person(name="Alice Own", email="alice@example.org")
    bob = api.person(name="Bob Other", email="bob@example.org")
    w["alice"], w["bob"] = alice["id"], bob["id"]
    w["alice_membership"] = api.membership(alice["id"])["id"]
    w["bob_membership"] = api.membership(bob["id"])["id"]
    w["alice_registration"] = api.registration(c["id"], alice["id"])["id"]
    w["bob_registration"] = api.registration(c["id"], bob["id"])["id"]
    item = api.item(c["id"], code="RC 1")
    w["item"] = item["id"]
    w["other_item"] = api.item(c["id"], code="RC 2", title="Imaging of forgotten small joints")["id"]
    w["faculty"] = api.faculty(c["id"], item["id"], bob["id"])["id"]
    w["alice_window"] = api.availability(c["id"], person_id=alice["id"])["id"]
    w["bob_window"] = api.availability(c["id"], person_id=bob["id"])["id"]
    w["room_window"] = api.availability(c["id"], room_id=w["room"])["id"]
    released = api.draft(c["id"])
    w["released_assignment"] = api.assignment(
        c["id"], released["id"], item_id=item["id"], room_id=w["room"], starts_at="2026-06-18T14:00:00+02:00"
    )["id"]
    w["released"] = api.release(c["id"], released["id"])["id"]
    draft = api.draft(c["id"], copy_from=w["released"])
    w["draft"] = draft["id"]
    w["draft_assignment"] = api.call("GET", f"/api/congresses/{c['id']}/versions/{draft['id']}/assignments")["items"][
        0
    ]["id"]
    solve = api.call("POST", f"/api/congresses/{c['id']}/solves", {"time_limit": 5}, status=202)
    w["solve"] = api.call("POST", f"/api/congresses/{c['id']}/solves/{solve['id']}/cancel", status=200)["id"]
    w["bob_token"] = api.call("POST", "/api/tokens", {"name": "bob", "role": "attendee", "person_id": bob["id"]})[
        "info"
    ]["id"]
    build_agenda_world(api, engine, w)
    w["kind_rooms"] = "rooms"
    return w


def build_agenda_world(api: Api, engine: Engine, w: World) -> None:
    """A released workshop with seats; Alice's and Bob's stars, seats and calendar links (Bob's first one rotated)."""
    cid = w["congress"]
    workshop = api.item(cid, code="HW 1", kind="hands_on_workshop", title="Knee ultrasound", capacity=8)
    w["workshop"] = workshop["id"]
    api.assignment(cid, w["draft"], item_id=workshop["id"], room_id=w["room"], starts_at="2026-06-19T14:00:00+02:00")
    w["released_2"] = api.release(cid, w["draft"])["id"]
    w["draft"] = api.draft(cid, copy_from=w["released_2"])["id"]
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{w['draft']}/assignments")["items"]
    w["draft_assignment"] = next(r["id"] for r in rows if r["item_id"] == w["item"])
    for who in ("alice", "bob"):
        person = Api(api.client, issue_token(engine, Role.ATTENDEE, uuid.UUID(w[who])))
        person.call("PUT", f"/api/congresses/{cid}/agenda/stars/{w['other_item']}")
        person.call("PUT", f"/api/congresses/{cid}/agenda/seats/{workshop['id']}", {"run": 1})
        link = person.call("POST", f"/api/congresses/{cid}/feeds")
        w[f"{who}_feed"] = link["id"]
        w[f"{who}_feed_token"] = link["url"].rsplit("/", 2)[-2]
    # A notice to Bob that failed for good (the organiser may requeue it).
    now = dt.datetime.now(dt.UTC)
    w["notice"] = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            insert(OutboxMessage).values(
                id=uuid.UUID(w["notice"]),
                congress_id=uuid.UUID(cid),
                person_id=uuid.UUID(w["bob"]),
                release=2,
                recipient="bob@example.org",
                subject="Programme changes",
                body="Dear Bob",
                attachment_name="",
                attachment="",
                changes=[],
                message_id=f"<{w['notice']}@test>",
                status="failed",
                attempts=8,
                next_attempt_at=now,
                last_error="550 no such user",
                created_at=now,
                updated_at=now,
            )
        )
    # The organiser issues Bob a new link: his first one stops working.
    w["revoked_feed_token"] = w["bob_feed_token"]
    link = api.call("POST", f"/api/congresses/{cid}/feeds?person_id={w['bob']}")
    w["bob_feed"], w["bob_feed_token"] = link["id"], link["url"].rsplit("/", 2)[-2]


Body = Callable[[World], Any]
Check = Callable[[World, Any], None]


@dataclass(frozen=True)
class Variant:
    label: str
    ids: dict[str, str]
    expect: dict[str, int]
    body: Body | None = None
    check: dict[str, Check] = field(default_factory=dict)
    setup: Callable[[Api, World], None] | None = None
    query: Callable[[World], str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    variants: list[Variant]


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(WHO, status)


def members(status: int, organiser: int, anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous, "organiser": organiser, **{r.value: status for r in MEMBER_ROLES}}


def organiser_only(status: int) -> dict[str, int]:
    return members(403, status)


def only_own(key: str, ids: Callable[[World], set[str]]) -> Check:
    """A member's list holds exactly their own objects."""

    def check(world: World, body: Any) -> None:
        assert {row[key] for row in body["items"]} == ids(world)

    return check


def sees_all(key: str, ids: Callable[[World], set[str]]) -> Check:
    def check(world: World, body: Any) -> None:
        assert ids(world) <= {row[key] for row in body["items"]}

    return check


def member_and_organiser_checks(member: Check, organiser: Check) -> dict[str, Check]:
    return {"organiser": organiser, **{r.value: member for r in MEMBER_ROLES}}


C = "/api/congresses/{congress_id:uuid}"
CID = {"congress_id": "congress"}

ROUTES: list[Route] = [
    Route("GET", "/health", [Variant("public", {}, everyone(200))]),
    Route("GET", "/api/me", [Variant("self", {}, members(200, 200))]),
    Route("GET", "/api/tokens", [Variant("all", {}, organiser_only(200))]),
    Route(
        "POST",
        "/api/tokens",
        [
            Variant(
                "new", {}, organiser_only(201), body=lambda w: {"name": "t", "role": "steward", "person_id": w["bob"]}
            )
        ],
    ),
    Route("DELETE", "/api/tokens/{token_id:uuid}", [Variant("bob's", {"token_id": "bob_token"}, organiser_only(204))]),
    Route("GET", "/api/congresses", [Variant("public", {}, everyone(200))]),
    Route(
        "POST",
        "/api/congresses",
        [
            Variant(
                "new",
                {},
                organiser_only(201),
                body=lambda w: {
                    "slug": "ecr-2027",
                    "name": "ECR 2027",
                    "time_zone": "Europe/Vienna",
                    "first_day": "2027-02-24",
                    "last_day": "2027-02-28",
                },
            )
        ],
    ),
    Route("GET", C, [Variant("public", CID, everyone(200))]),
    Route("PATCH", C, [Variant("rename", CID, organiser_only(200), body=lambda w: {"name": "ESSR 2026"})]),
    Route("DELETE", C, [Variant("delete", CID, organiser_only(204))]),
    Route("GET", C + "/rooms", [Variant("all", CID, members(200, 200))]),
    Route(
        "POST",
        C + "/rooms",
        [Variant("new", CID, organiser_only(201), body=lambda w: {"name": "Room B", "capacity": 100})],
    ),
    Route("GET", C + "/rooms/{room_id:uuid}", [Variant("one", CID | {"room_id": "room"}, members(200, 200))]),
    Route(
        "PATCH",
        C + "/rooms/{room_id:uuid}",
        [Variant("resize", CID | {"room_id": "room"}, organiser_only(200), body=lambda w: {"capacity": 900})],
    ),
    Route(
        "DELETE",
        C + "/rooms/{room_id:uuid}",
        # The room is used by assignments: the organiser passes the guard and meets the rule.
        [Variant("in use", CID | {"room_id": "room"}, organiser_only(409))],
    ),
    Route(
        "GET",
        "/api/people",
        [
            Variant(
                "list",
                {},
                members(200, 200),
                check=member_and_organiser_checks(
                    only_own("id", lambda w: {w["alice"]}), sees_all("id", lambda w: {w["alice"], w["bob"]})
                ),
            )
        ],
    ),
    Route(
        "POST",
        "/api/people",
        [Variant("new", {}, organiser_only(201), body=lambda w: {"name": "Carol", "email": "carol@example.org"})],
    ),
    Route(
        "GET",
        "/api/people/{person_id:uuid}",
        [
            Variant("own", {"person_id": "alice"}, members(200, 200)),
            Variant("other", {"person_id": "bob"}, members(404, 200)),
        ],
    ),
    Route(
        "PATCH",
        "/api/people/{person_id:uuid}",
        [
            Variant("own name", {"person_id": "alice"}, members(200, 200), body=lambda w: {"institution": "EOC"}),
            Variant("own email", {"person_id": "alice"}, members(403, 200), body=lambda w: {"email": "a@example.org"}),
            Variant("other", {"person_id": "bob"}, members(404, 200), body=lambda w: {"institution": "EOC"}),
        ],
    ),
    Route("DELETE", "/api/people/{person_id:uuid}", [Variant("other", {"person_id": "bob"}, organiser_only(204))]),
]

M = "/api/people/{person_id:uuid}/memberships"
ROUTES += [
    Route(
        "GET",
        M,
        [
            Variant("own", {"person_id": "alice"}, members(200, 200)),
            Variant("other", {"person_id": "bob"}, members(404, 200)),
        ],
    ),
    Route(
        "POST",
        M,
        [
            Variant(
                "own",
                {"person_id": "alice"},
                organiser_only(201),
                body=lambda w: {"society": "ESR", "type": "full", "year": 2026},
            )
        ],
    ),
    Route(
        "GET",
        M + "/{membership_id:uuid}",
        [
            Variant("own", {"person_id": "alice", "membership_id": "alice_membership"}, members(200, 200)),
            Variant("other", {"person_id": "bob", "membership_id": "bob_membership"}, members(404, 200)),
            Variant("mismatched", {"person_id": "alice", "membership_id": "bob_membership"}, members(404, 404)),
        ],
    ),
    Route(
        "PATCH",
        M + "/{membership_id:uuid}",
        [
            Variant(
                "own",
                {"person_id": "alice", "membership_id": "alice_membership"},
                organiser_only(200),
                body=lambda w: {"type": "in_training"},
            )
        ],
    ),
    Route(
        "DELETE",
        M + "/{membership_id:uuid}",
        [Variant("own", {"person_id": "alice", "membership_id": "alice_membership"}, organiser_only(204))],
    ),
]

R = C + "/registrations"
ROUTES += [
    Route(
        "GET",
        R,
        [
            Variant(
                "list",
                CID,
                members(200, 200),
                check=member_and_organiser_checks(
                    only_own("id", lambda w: {w["alice_registration"]}),
                    sees_all("id", lambda w: {w["alice_registration"], w["bob_registration"]}),
                ),
            )
        ],
    ),
    Route(
        "POST",
        R,
        [
            Variant(
                "new",
                CID,
                organiser_only(201),
                setup=lambda api, w: w.update(carol=api.person(name="Carol", email="carol@example.org")["id"]),
                body=lambda w: {"person_id": w["carol"], "category": "day"},
            )
        ],
    ),
    Route(
        "GET",
        R + "/{registration_id:uuid}",
        [
            Variant("own", CID | {"registration_id": "alice_registration"}, members(200, 200)),
            Variant("other", CID | {"registration_id": "bob_registration"}, members(404, 200)),
        ],
    ),
    Route(
        "PATCH",
        R + "/{registration_id:uuid}",
        [
            Variant(
                "own",
                CID | {"registration_id": "alice_registration"},
                organiser_only(200),
                body=lambda w: {"status": "cancelled"},
            )
        ],
    ),
    Route(
        "DELETE",
        R + "/{registration_id:uuid}",
        [Variant("own", CID | {"registration_id": "alice_registration"}, organiser_only(204))],
    ),
]

ITEMS = C + "/items"
IID = CID | {"item_id": "item"}
ROUTES += [
    Route("GET", ITEMS, [Variant("list", CID, members(200, 200))]),
    Route(
        "POST",
        ITEMS,
        [
            Variant(
                "new",
                CID,
                organiser_only(201),
                body=lambda w: {"kind": "quiz", "title": "Ultrasound Quiz", "duration_minutes": 60, "runs": 2},
            )
        ],
    ),
    Route("GET", ITEMS + "/{item_id:uuid}", [Variant("one", IID, members(200, 200))]),
    Route(
        "PATCH",
        ITEMS + "/{item_id:uuid}",
        [Variant("retitle", IID, organiser_only(200), body=lambda w: {"title": "Knee MR"})],
    ),
    Route(
        "DELETE",
        ITEMS + "/{item_id:uuid}",
        [
            Variant("unplaced", CID | {"item_id": "other_item"}, organiser_only(204)),
            # Placed in a release: the organiser passes the guard and meets the rule.
            Variant("released", IID, organiser_only(409)),
        ],
    ),
    Route("GET", ITEMS + "/{item_id:uuid}/faculty", [Variant("list", IID, members(200, 200))]),
    Route(
        "POST",
        ITEMS + "/{item_id:uuid}/faculty",
        [Variant("add", IID, organiser_only(201), body=lambda w: {"person_id": w["alice"], "role": "moderator"})],
    ),
    Route(
        "GET",
        ITEMS + "/{item_id:uuid}/faculty/{link_id:uuid}",
        [Variant("one", IID | {"link_id": "faculty"}, members(200, 200))],
    ),
    Route(
        "DELETE",
        ITEMS + "/{item_id:uuid}/faculty/{link_id:uuid}",
        [Variant("one", IID | {"link_id": "faculty"}, organiser_only(204))],
    ),
]

A = C + "/availability"
WINDOW = {"kind": "unavailable", "starts_at": "2026-06-19T14:00:00+02:00", "ends_at": "2026-06-19T18:00:00+02:00"}
ROUTES += [
    Route(
        "GET",
        A,
        [
            Variant(
                "list",
                CID,
                members(200, 200),
                check=member_and_organiser_checks(
                    only_own("id", lambda w: {w["alice_window"]}),
                    sees_all("id", lambda w: {w["alice_window"], w["bob_window"], w["room_window"]}),
                ),
            )
        ],
    ),
    Route(
        "POST",
        A,
        [
            Variant("own", CID, members(201, 201), body=lambda w: WINDOW | {"person_id": w["alice"]}),
            Variant("other", CID, members(403, 201), body=lambda w: WINDOW | {"person_id": w["bob"]}),
            Variant("room", CID, members(403, 201), body=lambda w: WINDOW | {"room_id": w["room"]}),
        ],
    ),
    Route(
        "GET",
        A + "/{availability_id:uuid}",
        [
            Variant("own", CID | {"availability_id": "alice_window"}, members(200, 200)),
            Variant("other", CID | {"availability_id": "bob_window"}, members(404, 200)),
            Variant("room", CID | {"availability_id": "room_window"}, members(404, 200)),
        ],
    ),
    Route(
        "PATCH",
        A + "/{availability_id:uuid}",
        [
            Variant(
                "own", CID | {"availability_id": "alice_window"}, members(200, 200), body=lambda w: {"reason": "clinic"}
            ),
            Variant(
                "other", CID | {"availability_id": "bob_window"}, members(404, 200), body=lambda w: {"reason": "x"}
            ),
        ],
    ),
    Route(
        "DELETE",
        A + "/{availability_id:uuid}",
        [
            Variant("own", CID | {"availability_id": "alice_window"}, members(204, 204)),
            Variant("other", CID | {"availability_id": "bob_window"}, members(404, 204)),
            Variant("room", CID | {"availability_id": "room_window"}, members(404, 204)),
        ],
    ),
]

V = C + "/versions"
VA = V + "/{version_id:uuid}/assignments"
REL = CID | {"version_id": "released"}
DRAFT = CID | {"version_id": "draft"}


def drop_draft(api: Api, w: World) -> None:
    api.call("DELETE", f"/api/congresses/{w['congress']}/versions/{w['draft']}")


ROUTES += [
    Route(
        "GET",
        V,
        [
            Variant(
                "list",
                CID,
                everyone(200),
                check={
                    "anonymous": only_own("id", lambda w: {w["released"], w["released_2"]}),
                    "organiser": only_own("id", lambda w: {w["released"], w["released_2"], w["draft"]}),
                    **{r.value: only_own("id", lambda w: {w["released"], w["released_2"]}) for r in MEMBER_ROLES},
                },
            )
        ],
    ),
    Route("POST", V, [Variant("new draft", CID, organiser_only(201), body=lambda w: {}, setup=drop_draft)]),
    Route(
        "GET",
        V + "/{version_id:uuid}",
        [
            Variant("released", REL, everyone(200)),
            Variant("draft", DRAFT, members(404, 200, anonymous=404)),
        ],
    ),
    Route(
        "PATCH",
        V + "/{version_id:uuid}",
        [
            Variant("draft", DRAFT, organiser_only(200), body=lambda w: {"note": "after the speaker cancelled"}),
            Variant("released", REL, organiser_only(409), body=lambda w: {"note": "rewrite history"}),
        ],
    ),
    Route("POST", V + "/{version_id:uuid}/release", [Variant("draft", DRAFT, organiser_only(200), body=lambda w: {})]),
    Route(
        "DELETE",
        V + "/{version_id:uuid}",
        [Variant("draft", DRAFT, organiser_only(204)), Variant("released", REL, organiser_only(409))],
    ),
    Route(
        "GET",
        VA,
        [Variant("released", REL, everyone(200)), Variant("draft", DRAFT, members(404, 200, anonymous=404))],
    ),
    Route(
        "POST",
        VA,
        [
            Variant(
                "draft",
                DRAFT,
                organiser_only(201),
                body=lambda w: {
                    "item_id": w["other_item"],
                    "room_id": w["room"],
                    "starts_at": "2026-06-19T09:00:00+02:00",
                },
            ),
            Variant(
                "released",
                REL,
                organiser_only(409),
                body=lambda w: {
                    "item_id": w["other_item"],
                    "room_id": w["room"],
                    "starts_at": "2026-06-19T09:00:00+02:00",
                },
            ),
        ],
    ),
    Route(
        "GET",
        VA + "/{assignment_id:uuid}",
        [
            Variant("released", REL | {"assignment_id": "released_assignment"}, everyone(200)),
            Variant("draft", DRAFT | {"assignment_id": "draft_assignment"}, members(404, 200, anonymous=404)),
        ],
    ),
    Route(
        "PATCH",
        VA + "/{assignment_id:uuid}",
        [
            Variant(
                "draft",
                DRAFT | {"assignment_id": "draft_assignment"},
                organiser_only(200),
                body=lambda w: {"pinned": True},
            ),
            Variant(
                "released",
                REL | {"assignment_id": "released_assignment"},
                organiser_only(409),
                body=lambda w: {"pinned": True},
            ),
        ],
    ),
    Route(
        "DELETE",
        VA + "/{assignment_id:uuid}",
        [
            Variant("draft", DRAFT | {"assignment_id": "draft_assignment"}, organiser_only(204)),
            Variant("released", REL | {"assignment_id": "released_assignment"}, organiser_only(409)),
        ],
    ),
]


S = C + "/solves"
RUN = CID | {"run_id": "solve"}

ROUTES += [
    Route("POST", S, [Variant("start", CID, organiser_only(202), body=lambda w: {"time_limit": 5})]),
    Route("GET", S, [Variant("list", CID, organiser_only(200))]),
    Route("GET", S + "/{run_id:uuid}", [Variant("one", RUN, organiser_only(200))]),
    Route("GET", S + "/{run_id:uuid}/events", [Variant("finished run", RUN, organiser_only(200))]),
    Route("POST", S + "/{run_id:uuid}/cancel", [Variant("finished run", RUN, organiser_only(409))]),
    Route(
        "GET",
        V + "/{version_id:uuid}/check",
        [Variant("draft", DRAFT, organiser_only(200)), Variant("released", REL, organiser_only(200))],
    ),
    Route(
        "GET",
        V + "/{version_id:uuid}/diff",
        [Variant("released", REL, everyone(200)), Variant("draft", DRAFT, members(404, 409, anonymous=404))],
    ),
]


AG = C + "/agenda"
FEEDS = C + "/feeds"


def own_feeds(world: World, body: Any) -> None:
    assert {row["id"] for row in body} == {world["alice_feed"]}


def all_feeds(world: World, body: Any) -> None:
    assert {world["alice_feed"], world["bob_feed"]} <= {row["id"] for row in body}


def own_agenda(world: World, body: Any) -> None:
    assert {s["item_id"] for s in body["stars"]} == {world["other_item"]}
    assert {(s["person_id"], s["item_id"]) for s in body["seats"]} == {(world["alice"], world["workshop"])}


def bobs_agenda(world: World, body: Any) -> None:
    assert {(s["person_id"], s["item_id"]) for s in body["seats"]} == {(world["bob"], world["workshop"])}


ROUTES += [
    Route(
        "GET",
        AG,
        [
            # Organiser tokens here belong to no person: they have no agenda of their own.
            Variant("own", CID, members(200, 403), check={r.value: own_agenda for r in MEMBER_ROLES}),
            Variant(
                "bob's",
                CID,
                members(404, 200),
                query=lambda w: f"person_id={w['bob']}",
                check={"organiser": bobs_agenda},
            ),
        ],
    ),
    Route("PUT", AG + "/stars/{item_id:uuid}", [Variant("star", CID | {"item_id": "item"}, members(200, 403))]),
    Route(
        "DELETE",
        AG + "/stars/{item_id:uuid}",
        [
            Variant("starred", CID | {"item_id": "other_item"}, members(204, 403)),
            Variant("not starred", CID | {"item_id": "item"}, members(404, 403)),
        ],
    ),
    Route(
        "PUT",
        AG + "/seats/{item_id:uuid}",
        [Variant("take", CID | {"item_id": "workshop"}, members(200, 403), body=lambda w: {"run": 1})],
    ),
    Route("DELETE", AG + "/seats/{item_id:uuid}", [Variant("held", CID | {"item_id": "workshop"}, members(204, 403))]),
    Route(
        "GET",
        C + "/items/{item_id:uuid}/seats",
        [Variant("workshop", CID | {"item_id": "workshop"}, organiser_only(200))],
    ),
    Route(
        "POST",
        FEEDS,
        [
            # An organiser's token has no person: they must name whom the link is for.
            Variant("own", CID, members(201, 422)),
            Variant("for bob", CID, members(404, 201), query=lambda w: f"person_id={w['bob']}"),
        ],
    ),
    Route(
        "GET",
        FEEDS,
        [Variant("list", CID, members(200, 200), check=member_and_organiser_checks(own_feeds, all_feeds))],
    ),
    Route(
        "DELETE",
        FEEDS + "/{feed_id:uuid}",
        [
            Variant("alice's", CID | {"feed_id": "alice_feed"}, members(204, 204)),
            Variant("bob's", CID | {"feed_id": "bob_feed"}, members(404, 204)),
        ],
    ),
    Route("GET", C + "/calendar.ics", [Variant("public", CID, everyone(200))]),
    Route(
        "GET",
        "/api/feeds/{token:str}/calendar.ics",
        [
            # The secret link is the credential: whoever holds it reads it, whatever token they also send.
            Variant("bob's link", {"token": "bob_feed_token"}, everyone(200)),
            Variant("rotated link", {"token": "revoked_feed_token"}, everyone(404)),
        ],
    ),
]


OUTBOX = C + "/outbox"
NOTICE = CID | {"message_id": "notice"}

ROUTES += [
    Route("GET", C + "/schedule.json", [Variant("public", CID, everyone(200))]),
    Route("GET", C + "/schedule.xml", [Variant("public", CID, everyone(200))]),
    Route("GET", C + "/programme.csv", [Variant("organisers", CID, organiser_only(200))]),
    Route("GET", C + "/programme.xlsx", [Variant("organisers", CID, organiser_only(200))]),
    Route("GET", OUTBOX, [Variant("list", CID, organiser_only(200))]),
    Route("GET", OUTBOX + "/{message_id:uuid}", [Variant("one", NOTICE, organiser_only(200))]),
    Route("POST", OUTBOX + "/{message_id:uuid}/requeue", [Variant("failed", NOTICE, organiser_only(200))]),
]


IMPORTS = C + "/imports"
ROOMS_FILE = {"file": ("rooms.csv", b"name,capacity\nRoom Z,40\n", "text/csv")}
CALENDAR_FILE = {
    "file": (
        "me.ics",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a@t\r\n"
        b"DTSTAMP:20260101T000000Z\r\nDTSTART:20260618T080000Z\r\nDTEND:20260618T090000Z\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n",
        "text/calendar",
    )
}
FRAB_FILE = {
    "file": (
        "schedule.json",
        b'{"schedule": {"version": "1", "conference": {"title": "T", "acronym": "tttt", "start": "2026-06-18",'
        b' "end": "2026-06-18", "daysCount": 1, "timeslot_duration": "00:15", "time_zone_name": "Europe/Zurich",'
        b' "days": [{"index": 1, "date": "2026-06-18", "day_start": "2026-06-18T08:00:00+02:00",'
        b' "day_end": "2026-06-18T18:00:00+02:00", "rooms": {"Hall F": ['
        b'{"guid": "7c5b0a5e-1f0e-4e4e-9a57-1d2c3b4a5f60",'
        b' "id": 1, "title": "Talk", "date": "2026-06-18T10:00:00+02:00", "start": "10:00", "duration": "00:30",'
        b' "room": "Hall F", "persons": [{"name": "Speaker S"}]}]}}]}}}',
        "application/json",
    )
}

ROUTES += [
    Route(
        "POST",
        IMPORTS + "/tables/{kind:str}",
        [Variant("rooms", CID | {"kind": "kind_rooms"}, organiser_only(200), files=ROOMS_FILE)],
    ),
    Route(
        "POST",
        IMPORTS + "/calendar",
        [
            # Organiser tokens belong to no person: they name whose calendar it is.
            Variant("own", CID, members(200, 422), files=CALENDAR_FILE),
            Variant("bob's", CID, members(422, 200), files=CALENDAR_FILE, query=lambda w: f"person_id={w['bob']}"),
        ],
    ),
    Route("POST", IMPORTS + "/frab", [Variant("schedule", CID, organiser_only(200), files=FRAB_FILE)]),
]


EXAM = C + "/exam"


def build_exam_world(api: Api, w: World) -> None:
    """A diploma sitting: Alice and Bob admitted with slots (panel Carol and Dave), Gina admitted without one,
    Erin an examiner with a declared conflict with Bob, Frank a person who could examine."""
    cid = w["congress"]
    room = api.room(cid, name="Exam Room", capacity=10, equipment={"exam_workstation": 2})
    w["exam_room"] = room["id"]
    sitting = api.call(
        "PUT",
        f"/api/congresses/{cid}/exam",
        {
            "title": "EDiMSK 2026",
            "exam_year": 2026,
            "seat_limit": 10,
            "oral_windows": [{"starts_at": "2026-06-19T09:00:00+02:00", "ends_at": "2026-06-19T12:00:00+02:00"}],
            "exam_rooms": [room["id"]],
        },
    )
    station = sitting["workstations"][0]["id"]
    gina = api.person(name="Gina Third", email="gina@example.org")
    w["gina"] = gina["id"]
    api.registration(cid, gina["id"])
    director = api.person(name="Prof. Director", email="director@example.org")
    for who, person_id in (("alice", w["alice"]), ("bob", w["bob"]), ("gina", gina["id"])):
        if who == "gina":
            api.membership(person_id, society="ESSR", year=2026)
        api.membership(person_id, society="ESR", year=2026)
        application = api.call(
            "POST",
            f"/api/congresses/{cid}/exam/applications",
            {
                "person_id": person_id,
                "received_at": "2026-03-01T09:00:00+01:00",
                "documents": eligible_documents(),
                "programme_director_id": director["id"],
                "letter_writer_id": director["id"],
            },
        )
        w[f"{who}_application"] = application["id"]
    for name in ("Carol", "Dave", "Erin", "Frank"):
        person = api.person(name=f"{name} Examiner", email=f"{name.lower()}@example.org", institution=name)
        w[name.lower()] = person["id"]
        api.membership(person["id"], society="ESSR", year=2026)
        if name != "Frank":
            w[f"{name.lower()}_examiner"] = api.call(
                "POST", f"/api/congresses/{cid}/exam/examiners", {"person_id": person["id"], "approve": True}
            )["id"]
    for who, start in (("alice", "09:00"), ("bob", "09:20")):
        w[f"{who}_slot"] = api.call(
            "POST",
            f"/api/congresses/{cid}/exam/slots",
            {
                "application_id": w[f"{who}_application"],
                "workstation_id": station,
                "starts_at": f"2026-06-19T{start}:00+02:00",
                "examiner_ids": [w["carol"], w["dave"]],
            },
        )["id"]
    w["workstation"] = station
    w["conflict"] = api.call(
        "POST", f"/api/congresses/{cid}/exam/conflicts", {"candidate_id": w["bob"], "examiner_id": w["erin"]}
    )["id"]


def expect(
    organiser: int, examiner: int = 403, candidate: int = 403, others: int = 403, anonymous: int = 401
) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "organiser": organiser,
        Role.EXAMINER.value: examiner,
        Role.CANDIDATE.value: candidate,
        Role.ATTENDEE.value: others,
        Role.STEWARD.value: others,
    }


def exam_variant(label: str, ids: dict[str, str], expected: dict[str, int], **fields: Any) -> Variant:
    return Variant(label, CID | ids, expected, setup=build_exam_world, **fields)


def listed(key: str, ids: Callable[[World], set[str]]) -> Check:
    """A plain list holds exactly these objects."""

    def check(world: World, body: Any) -> None:
        assert {row[key] for row in body} == ids(world)

    return check


SITTING_BODY: Body = lambda w: {  # noqa: E731
    "title": "EDiMSK 2026",
    "exam_year": 2026,
    "seat_limit": 12,
    "oral_windows": [{"starts_at": "2026-06-19T09:00:00+02:00", "ends_at": "2026-06-19T12:00:00+02:00"}],
    "exam_rooms": [w["exam_room"]],
}
APPLICATION = EXAM + "/applications/{application_id:uuid}"
OWN_APPLICATION = {"application_id": "alice_application"}
BOBS_APPLICATION = {"application_id": "bob_application"}
SLOT = EXAM + "/slots/{slot_id:uuid}"
OWN_SLOT = {"slot_id": "alice_slot"}
BOBS_SLOT = {"slot_id": "bob_slot"}
EXAMINER = EXAM + "/examiners/{examiner_id:uuid}"

ROUTES += [
    Route("GET", EXAM, [exam_variant("public", {}, everyone(200))]),
    Route("PUT", EXAM, [exam_variant("settings", {}, organiser_only(200), body=SITTING_BODY)]),
    Route("POST", EXAM + "/solve", [exam_variant("solve", {}, organiser_only(200), body=lambda w: {"time_limit": 2})]),
    Route("GET", EXAM + "/results", [exam_variant("summary", {}, organiser_only(200))]),
    # Marks are missing: the organiser passes the guard and meets the rule.
    Route("POST", EXAM + "/results/release", [exam_variant("release", {}, organiser_only(409))]),
    Route("GET", EXAM + "/my-result", [exam_variant("own", {}, expect(403, candidate=200))]),
    Route(
        "PUT",
        EXAM + "/written-scores",
        [
            exam_variant(
                "import",
                {},
                organiser_only(200),
                body=lambda w: {"rows": [{"email": "alice@example.org", "score": 30}]},
            )
        ],
    ),
    Route(
        "GET",
        EXAM + "/applications",
        [
            exam_variant(
                "list",
                {},
                expect(200, candidate=200),
                check={
                    "organiser": listed("id", lambda w: {w[f"{n}_application"] for n in ("alice", "bob", "gina")}),
                    Role.CANDIDATE.value: listed("id", lambda w: {w["alice_application"]}),
                },
            )
        ],
    ),
    # Alice has applied already; organisers must name the candidate.
    Route("POST", EXAM + "/applications", [exam_variant("again", {}, expect(422, candidate=409), body=lambda w: {})]),
    Route(
        "GET",
        APPLICATION,
        [
            exam_variant("own", OWN_APPLICATION, expect(200, candidate=200)),
            exam_variant("bob's", BOBS_APPLICATION, expect(200, candidate=404)),
        ],
    ),
    Route(
        "PATCH",
        APPLICATION,
        [
            exam_variant("own", OWN_APPLICATION, expect(200, candidate=200), body=lambda w: {"preferred_windows": []}),
            exam_variant(
                "bob's", BOBS_APPLICATION, expect(200, candidate=404), body=lambda w: {"preferred_windows": []}
            ),
        ],
    ),
    Route(
        "POST",
        APPLICATION + "/withdraw",
        [
            exam_variant("own", OWN_APPLICATION, expect(200, candidate=200)),
            exam_variant("bob's", BOBS_APPLICATION, expect(200, candidate=404)),
        ],
    ),
    Route("POST", APPLICATION + "/reject", [exam_variant("bob's", BOBS_APPLICATION, organiser_only(200))]),
    Route(
        "GET",
        APPLICATION + "/result",
        [
            exam_variant("own", OWN_APPLICATION, expect(200, candidate=200)),
            exam_variant("bob's", BOBS_APPLICATION, expect(200, candidate=404)),
        ],
    ),
    Route(
        "PUT",
        APPLICATION + "/written",
        [exam_variant("own", OWN_APPLICATION, organiser_only(200), body=lambda w: {"score": 30})],
    ),
    Route(
        "GET",
        EXAM + "/examiners",
        [
            exam_variant(
                "list",
                {},
                expect(200, examiner=200),
                check={
                    "organiser": listed("person_id", lambda w: {w["carol"], w["dave"], w["erin"]}),
                    Role.EXAMINER.value: listed("person_id", lambda w: set()),
                },
            )
        ],
    ),
    Route(
        "POST",
        EXAM + "/examiners",
        [exam_variant("frank", {}, organiser_only(201), body=lambda w: {"person_id": w["frank"]})],
    ),
    Route("GET", EXAMINER, [exam_variant("carol", {"examiner_id": "carol_examiner"}, expect(200, examiner=404))]),
    Route(
        "PATCH",
        EXAMINER,
        [
            exam_variant(
                "carol", {"examiner_id": "carol_examiner"}, organiser_only(200), body=lambda w: {"max_slots": 5}
            )
        ],
    ),
    Route(
        "GET",
        EXAM + "/conflicts",
        [
            exam_variant(
                "list",
                {},
                expect(200, examiner=200),
                check={Role.EXAMINER.value: listed("id", lambda w: set())},
            )
        ],
    ),
    Route(
        "POST",
        EXAM + "/conflicts",
        [
            # Examiners declare only their own conflicts.
            exam_variant(
                "carol-gina",
                {},
                expect(201, examiner=403),
                body=lambda w: {"candidate_id": w["gina"], "examiner_id": w["carol"]},
            )
        ],
    ),
    Route(
        "DELETE",
        EXAM + "/conflicts/{conflict_id:uuid}",
        [exam_variant("erin-bob", {"conflict_id": "conflict"}, organiser_only(204))],
    ),
    Route(
        "GET",
        EXAM + "/slots",
        [
            exam_variant(
                "list",
                {},
                expect(200, examiner=200, candidate=200),
                check={
                    "organiser": listed("id", lambda w: {w["alice_slot"], w["bob_slot"]}),
                    Role.EXAMINER.value: listed("id", lambda w: set()),
                    Role.CANDIDATE.value: listed("id", lambda w: {w["alice_slot"]}),
                },
            )
        ],
    ),
    Route(
        "POST",
        EXAM + "/slots",
        [
            exam_variant(
                "gina",
                {},
                organiser_only(201),
                body=lambda w: {
                    "application_id": w["gina_application"],
                    "workstation_id": w["workstation"],
                    "starts_at": "2026-06-19T10:00:00+02:00",
                    "examiner_ids": [w["carol"], w["dave"]],
                },
            )
        ],
    ),
    Route(
        "GET",
        SLOT,
        [
            exam_variant("own", OWN_SLOT, expect(200, examiner=404, candidate=200)),
            exam_variant("bob's", BOBS_SLOT, expect(200, examiner=404, candidate=404)),
        ],
    ),
    Route("PATCH", SLOT, [exam_variant("pin", OWN_SLOT, organiser_only(200), body=lambda w: {"pinned": False})]),
    Route("DELETE", SLOT, [exam_variant("own", OWN_SLOT, organiser_only(204))]),
    Route("POST", SLOT + "/check-in", [exam_variant("own", OWN_SLOT, expect(200, examiner=404))]),
    Route(
        "PUT",
        SLOT + "/mark",
        [
            exam_variant(
                "carol's", OWN_SLOT, expect(200, examiner=404), body=lambda w: {"score": 30, "examiner_id": w["carol"]}
            )
        ],
    ),
]


def build_badge_world(api: Api, w: World) -> None:
    """Badges for Alice and Bob, the signing key, and a scanner device."""
    cid = w["congress"]
    api.call("POST", f"/api/congresses/{cid}/badges/issue", status=200)
    rows = api.call("GET", f"/api/congresses/{cid}/badges")["items"]
    w["bob_badge"] = next(b["id"] for b in rows if b["person_id"] == w["bob"])
    w["kid"] = api.call("GET", f"/api/congresses/{cid}/badge-keys")[0]["kid"]
    w["device"] = api.call("POST", f"/api/congresses/{cid}/scanners", {"name": "Door A"})["device"]["id"]


def badge_variant(label: str, ids: dict[str, str], expected: dict[str, int], **fields: Any) -> Variant:
    return Variant(label, CID | ids, expected, setup=build_badge_world, **fields)


SCAN_BODY: Body = lambda w: {  # noqa: E731
    "scans": [{"nonce": "nonce-0001", "badge": "CB:x", "scanned_at": "2026-06-18T09:00:00+02:00"}]
}

ROUTES += [
    Route("GET", C + "/badge-keys", [badge_variant("all", {}, organiser_only(200))]),
    Route("POST", C + "/badge-keys", [badge_variant("rotate", {}, organiser_only(201))]),
    Route("POST", C + "/badge-keys/{kid:str}/retire", [badge_variant("signing", {"kid": "kid"}, organiser_only(200))]),
    Route("POST", C + "/badges/issue", [badge_variant("issue", {}, organiser_only(200))]),
    Route("GET", C + "/badges", [badge_variant("all", {}, organiser_only(200))]),
    Route(
        "POST",
        C + "/badges/{badge_id:uuid}/revoke",
        [badge_variant("bob's", {"badge_id": "bob_badge"}, organiser_only(200), body=lambda w: {"reason": "lost"})],
    ),
    Route(
        "GET",
        C + "/badges/{badge_id:uuid}/qr",
        [badge_variant("bob's", {"badge_id": "bob_badge"}, organiser_only(200))],
    ),
    # Organiser tokens belong to no person, so they hold no badge.
    Route("GET", C + "/my-badge", [badge_variant("own", {}, members(200, 403))]),
    Route("POST", C + "/scanners", [badge_variant("new", {}, organiser_only(201), body=lambda w: {"name": "Door B"})]),
    Route("GET", C + "/scanners", [badge_variant("all", {}, organiser_only(200))]),
    Route(
        "DELETE",
        C + "/scanners/{device_id:uuid}",
        [badge_variant("door", {"device_id": "device"}, organiser_only(204))],
    ),
    # Only scanner devices (steward tokens of a device row) pass; a steward person's token does not.
    Route("GET", C + "/scanner-bundle", [badge_variant("devices only", {}, members(403, 403))]),
    Route("POST", C + "/scans", [badge_variant("devices only", {}, members(403, 403), body=SCAN_BODY)]),
    Route("GET", C + "/occupancy", [badge_variant("organisers and devices", {}, organiser_only(200))]),
]


def unknown_code(api: Api, w: World) -> None:
    w["unknown_code"] = "AAAA-BBBB-CCCC"


ROUTES += [
    Route(
        "GET",
        C + "/cme/statement",
        [
            # Organiser tokens belong to no person: they name whose statement.
            Variant("own", CID, members(200, 403)),
            Variant("bob's", CID, members(404, 200), query=lambda w: f"person_id={w['bob']}"),
        ],
    ),
    Route(
        "GET",
        C + "/cme/certificate.pdf",
        [
            # Nobody attended anything yet: past the guard, the rule answers no_credits.
            Variant("own", CID, members(409, 403)),
            Variant("bob's", CID, members(404, 409), query=lambda w: f"person_id={w['bob']}"),
        ],
    ),
    Route(
        "PUT",
        C + "/evaluations/{item_id:uuid}",
        [Variant("own", CID | {"item_id": "item"}, members(200, 403), body=lambda w: {"rating": 5})],
    ),
    Route(
        "GET",
        "/api/certificates/{code:str}",
        [Variant("public", {"code": "unknown_code"}, everyone(404), setup=unknown_code)],
    ),
]


def app_routes(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler) and not route.path.startswith("/schema"):
                for method in handler.http_methods:
                    if method not in {"HEAD", "OPTIONS"}:
                        found[(method, route.path)] = handler
    return found


def test_every_route_declares_an_access_rule() -> None:
    missing = [key for key, h in app_routes(create_app()).items() if not isinstance(h.opt.get(ACCESS_KEY), Access)]
    assert missing == []


def test_every_route_has_authorization_cases() -> None:
    declared = {(r.method, r.template) for r in ROUTES}
    assert set(app_routes(create_app())) == declared


CASES = [
    pytest.param(route, variant, id=f"{route.method} {route.template} [{variant.label}]")
    for route in ROUTES
    for variant in route.variants
]


def fresh_world(client: TestClient[Litestar], engine: Engine, variant: Variant) -> tuple[Api, World]:
    """An empty database, a new organiser, the shared world and the variant's own setup."""
    with engine.begin() as conn:
        for table in reversed(metadata().sorted_tables):
            conn.execute(table.delete())
    api = Api(client, issue_token(engine, Role.ORGANISER))
    world = build_world(api, engine)
    if variant.setup is not None:
        variant.setup(api, world)
    return api, world


@pytest.mark.parametrize(("route", "variant"), CASES)
def test_each_role_may_or_may_not_use_route(
    client: TestClient[Litestar], clean_db: Engine, route: Route, variant: Variant
) -> None:
    """Every role against one route. The roles that must be refused go first, on one world; a role whose
    write succeeds leaves the world changed, so the next role gets a new one (reads share one world)."""
    order = sorted(WHO, key=lambda who: variant.expect[who] < 400)
    api, world = fresh_world(client, clean_db, variant)
    changed = False
    failures: list[str] = []
    for who in order:
        if changed:
            api, world = fresh_world(client, clean_db, variant)
            changed = False
        path = route.template
        for name, key in variant.ids.items():
            path = re.sub(rf"\{{{name}:[a-z]+\}}", world[key], path)
        if variant.query is not None:
            path += "?" + variant.query(world)
        headers = {}
        if who == "organiser":
            headers = api.headers
        elif who != "anonymous":
            token = issue_token(clean_db, Role(who), world_person(world))
            headers = {"Authorization": f"Bearer {token}"}
        body = variant.body(world) if variant.body else None
        response = client.request(route.method, path, json=body, files=variant.files, headers=headers)
        changed = route.method != "GET" and response.status_code < 400
        if response.status_code != variant.expect[who]:
            failures.append(f"as {who}: {response.status_code} (expected {variant.expect[who]}) {response.text[:300]}")
            continue
        if response.status_code >= 400 and not response.headers["content-type"].startswith("application/problem+json"):
            failures.append(f"as {who}: {response.status_code} without problem details")
        check = variant.check.get(who)
        if check is not None:
            check(world, response.json())
    assert failures == []


def world_person(world: World) -> Any:
    return uuid.UUID(world["alice"])
