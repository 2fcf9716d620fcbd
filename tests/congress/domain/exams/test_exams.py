"""The diploma through the API: sitting, applications and seats, examiners, conflicts, orals, results."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine

from congress.lib.security import Role
from tests.conftest import issue_token
from tests.factories import ORAL_WINDOW, Api, diploma, eligible_documents


def as_person(api: Api, engine: Engine, role: Role, person_id: str) -> Api:
    return Api(api.client, issue_token(engine, role, uuid.UUID(person_id)))


def exam(cid: str, rest: str = "") -> str:
    return f"/api/congresses/{cid}/exam{rest}"


def solve(api: Api, cid: str, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.call("POST", exam(cid, "/solve"), {"time_limit": 10, **body}, status=200)
    return result


def slots_by_candidate(api: Api, cid: str) -> dict[str, dict[str, Any]]:
    return {s["candidate"]: s for s in api.call("GET", exam(cid, "/slots"))}


# --- sitting -------------------------------------------------------------------------------------------------


def test_sitting_has_one_workstation_per_exam_workstation_of_its_rooms(api: Api) -> None:
    setup = diploma(api, candidates=0, examiners=0, workstations=3)
    sitting = api.call("GET", exam(setup["congress"]))
    assert [w["label"] for w in sitting["workstations"]] == ["Exam Room #1", "Exam Room #2", "Exam Room #3"]
    assert sitting["oral_windows"] == [{"starts_at": ORAL_WINDOW[0], "ends_at": ORAL_WINDOW[1]}]
    assert sitting["written_ends_at"] == "2026-05-13T11:00:00+02:00"


def test_sitting_oral_window_must_lie_on_the_congress_days(api: Api) -> None:
    setup = diploma(api, candidates=0, examiners=0)
    body = {
        "title": "EDiMSK 2026",
        "exam_year": 2026,
        "seat_limit": 10,
        "oral_windows": [{"starts_at": "2026-06-22T09:00:00+02:00", "ends_at": "2026-06-22T12:00:00+02:00"}],
        "exam_rooms": [setup["exam_room"]],
    }
    problem = api.call("PUT", exam(setup["congress"]), body, status=422)
    assert problem["code"] == "oral_window_outside_congress"


def test_sitting_exam_room_without_workstations_is_refused(api: Api) -> None:
    setup = diploma(api, candidates=0, examiners=0)
    body = {
        "title": "EDiMSK 2026",
        "exam_year": 2026,
        "seat_limit": 10,
        "oral_windows": [{"starts_at": ORAL_WINDOW[0], "ends_at": ORAL_WINDOW[1]}],
        "exam_rooms": [setup["rooms"]["hall"]],
    }
    assert api.call("PUT", exam(setup["congress"]), body, status=422)["code"] == "no_workstations"


# --- applications and seats --------------------------------------------------------------------------------


def test_seats_go_by_date_received_and_the_rest_wait_in_order(api: Api) -> None:
    setup = diploma(api, candidates=4, examiners=0, seat_limit=2)
    rows = api.call("GET", exam(setup["congress"], "/applications"))
    assert [(r["name"], r["status"], r["waitlist_position"]) for r in rows] == [
        ("Candidate 01", "admitted", None),
        ("Candidate 02", "admitted", None),
        ("Candidate 03", "waitlisted", 1),
        ("Candidate 04", "waitlisted", 2),
    ]


def test_withdrawal_promotes_the_first_on_the_waiting_list(api: Api, clean_db: Engine) -> None:
    setup = diploma(api, candidates=3, examiners=0, seat_limit=2)
    cid, first = setup["congress"], setup["candidates"]["Candidate 01"]
    me = as_person(api, clean_db, Role.CANDIDATE, first["person"])
    assert me.call("POST", exam(cid, f"/applications/{first['application']}/withdraw"), status=200)["status"] == (
        "withdrawn"
    )
    third = setup["candidates"]["Candidate 03"]["application"]
    assert api.call("GET", exam(cid, f"/applications/{third}"))["status"] == "admitted"


def test_candidate_applies_for_themselves_and_sees_every_unmet_rule(api: Api, clean_db: Engine) -> None:
    setup = diploma(api, candidates=0, examiners=0)
    person = api.person(name="New Candidate")
    me = as_person(api, clean_db, Role.CANDIDATE, person["id"])
    application = me.call("POST", exam(setup["congress"], "/applications"), {})
    assert application["status"] == "applied"
    assert application["eligible"] is False
    assert {c["rule"] for c in application["checks"] if not c["met"]} == {
        "training_certificate",
        "logbook",
        "letter_of_support",
        "msk_cme_credits",
        "cv",
        "memberships",
        "meetings",
        "abstract",
    }
    assert application["fee_eur"] == 400


def test_candidate_cannot_accept_their_own_documents(api: Api, clean_db: Engine) -> None:
    setup = diploma(api, candidates=0, examiners=0)
    person = api.person(name="New Candidate")
    me = as_person(api, clean_db, Role.CANDIDATE, person["id"])
    problem = me.call("POST", exam(setup["congress"], "/applications"), {"documents": eligible_documents()}, 422)
    assert problem["code"] == "review_by_organiser"


def test_organiser_review_of_the_last_document_admits_the_candidate(api: Api, clean_db: Engine) -> None:
    setup = diploma(api, candidates=0, examiners=0)
    cid = setup["congress"]
    person = api.person(name="New Candidate")
    for society in ("ESR", "ESSR"):
        api.membership(person["id"], society=society, year=2026)
    me = as_person(api, clean_db, Role.CANDIDATE, person["id"])
    submitted = {k: v | {"status": "submitted"} if isinstance(v, dict) else v for k, v in eligible_documents().items()}
    application = me.call(
        "POST",
        exam(cid, "/applications"),
        {"documents": submitted, "programme_director_id": setup["director"], "letter_writer_id": setup["director"]},
    )
    assert application["status"] == "applied"
    review = {k: {"status": "accepted", "evidence": "on file"} for k, v in submitted.items() if isinstance(v, dict)}
    reviewed = api.call("PATCH", exam(cid, f"/applications/{application['id']}"), {"documents": review})
    assert (reviewed["status"], reviewed["eligible"]) == ("admitted", True)


def test_another_candidates_application_is_not_found(api: Api, clean_db: Engine) -> None:
    setup = diploma(api, candidates=2, examiners=0)
    cid = setup["congress"]
    one, two = setup["candidates"]["Candidate 01"], setup["candidates"]["Candidate 02"]
    me = as_person(api, clean_db, Role.CANDIDATE, one["person"])
    assert [a["id"] for a in me.call("GET", exam(cid, "/applications"))] == [one["application"]]
    me.call("GET", exam(cid, f"/applications/{two['application']}"), status=404)
    me.call("POST", exam(cid, f"/applications/{two['application']}/withdraw"), status=404)


# --- examiners and conflicts -----------------------------------------------------------------------------


def test_examiner_must_hold_essr_membership_for_the_exam_year(api: Api) -> None:
    setup = diploma(api, candidates=0, examiners=0)
    person = api.person(name="Dr. No Member")
    api.membership(person["id"], society="ESSR", year=2025)
    body = {"person_id": person["id"], "approve": True}
    problem = api.call("POST", exam(setup["congress"], "/examiners"), body, status=422)
    assert problem["code"] == "not_essr_member"
    proposed = api.call("POST", exam(setup["congress"], "/examiners"), {"person_id": person["id"]})
    assert (proposed["status"], proposed["reasons"]) == (
        "proposed",
        ["holds no ESSR membership for 2026", "the contribution to MSK radiology is not yet approved"],
    )


def test_conflicts_include_same_institution_and_the_programme_director(api: Api) -> None:
    setup = diploma(api, candidates=2, examiners=2)
    cid = setup["congress"]
    colleague = api.person(name="Dr. Colleague", institution="hospital 1 ")
    api.membership(colleague["id"], society="ESSR", year=2026)
    api.call("POST", exam(cid, "/examiners"), {"person_id": colleague["id"], "approve": True})
    api.membership(setup["director"], society="ESSR", year=2026)
    api.call("POST", exam(cid, "/examiners"), {"person_id": setup["director"], "approve": True})
    found = {(c["examiner"], c["candidate"], c["source"]) for c in api.call("GET", exam(cid, "/conflicts"))}
    assert found == {
        ("Dr. Colleague", "Candidate 01", "same institution"),
        ("Prof. Director", "Candidate 01", "programme director"),
        ("Prof. Director", "Candidate 02", "programme director"),
    }


def test_examiner_declares_own_conflict_and_sees_only_own(api: Api, clean_db: Engine) -> None:
    setup = diploma(api, candidates=2, examiners=2)
    cid = setup["congress"]
    ada = setup["examiners"]["Prof. Ada Knee"]["person"]
    me = as_person(api, clean_db, Role.EXAMINER, ada)
    declared = me.call(
        "POST",
        exam(cid, "/conflicts"),
        {"candidate_id": setup["candidates"]["Candidate 02"]["person"], "reason": "former trainee"},
    )
    assert (declared["examiner"], declared["reason"], declared["source"]) == (
        "Prof. Ada Knee",
        "former trainee",
        "declared",
    )
    other = setup["examiners"]["Examiner 01"]["person"]
    body = {"candidate_id": setup["candidates"]["Candidate 01"]["person"], "examiner_id": other}
    me.call("POST", exam(cid, "/conflicts"), body, status=403)
    assert [c["examiner"] for c in me.call("GET", exam(cid, "/conflicts"))] == ["Prof. Ada Knee"]
    assert [e["name"] for e in me.call("GET", exam(cid, "/examiners"))] == ["Prof. Ada Knee"]


# --- scheduling the orals --------------------------------------------------------------------------------


def assert_no_double_booking(slots: list[dict[str, Any]]) -> None:
    seen: list[tuple[str, str, str]] = []
    for slot in slots:
        for who in [*(p["person_id"] for p in slot["panel"]), slot["workstation_id"]]:
            for other, start, end in seen:
                assert not (other == who and start < slot["ends_at"] and slot["starts_at"] < end), slot
        seen.extend(
            (who, slot["starts_at"], slot["ends_at"])
            for who in [*(p["person_id"] for p in slot["panel"]), slot["workstation_id"]]
        )


def test_solve_gives_every_admitted_candidate_a_slot_a_workstation_and_a_full_panel(api: Api) -> None:
    setup = diploma(api, candidates=6, examiners=4)
    cid = setup["congress"]
    result = solve(api, cid)
    assert (result["status"], result["scheduled"], result["unscheduled"]) == ("optimal", 6, [])
    slots = api.call("GET", exam(cid, "/slots"))
    assert sorted(s["candidate"] for s in slots) == [f"Candidate {n:02d}" for n in range(1, 7)]
    assert all(len(s["panel"]) == 2 for s in slots)
    assert all(ORAL_WINDOW[0] <= s["starts_at"] and s["ends_at"] <= ORAL_WINDOW[1] for s in slots)
    assert_no_double_booking(slots)


def test_solve_keeps_a_teaching_examiner_out_of_their_programme_duties(api: Api) -> None:
    setup = diploma(api, candidates=6, examiners=3)
    cid = setup["congress"]
    solve(api, cid)
    for slot in api.call("GET", exam(cid, "/slots")):
        if "Prof. Ada Knee" in {p["name"] for p in slot["panel"]}:
            # RC 1 09:00-10:30 and RC 2 11:00-12:30: only 10:30-11:00 and 12:30-13:00 are free.
            assert slot["starts_at"][11:16] in {"10:30", "10:40", "12:30", "12:40"}, slot


def test_solve_never_seats_an_examiner_with_a_conflict_of_interest(api: Api) -> None:
    setup = diploma(api, candidates=4, examiners=3)
    cid = setup["congress"]
    conflicted = setup["examiners"]["Examiner 01"]["person"]
    api.call(
        "POST",
        exam(cid, "/conflicts"),
        {"candidate_id": setup["candidates"]["Candidate 01"]["person"], "examiner_id": conflicted},
    )
    solve(api, cid)
    slot = slots_by_candidate(api, cid)["Candidate 01"]
    assert conflicted not in {p["person_id"] for p in slot["panel"]}


def test_solve_leaves_out_a_candidate_without_an_active_registration(api: Api) -> None:
    setup = diploma(api, candidates=3, examiners=3)
    cid = setup["congress"]
    unregistered = setup["candidates"]["Candidate 02"]["person"]
    registrations = api.call("GET", f"/api/congresses/{cid}/registrations?limit=500")["items"]
    (row,) = [r for r in registrations if r["person_id"] == unregistered]
    api.call("PATCH", f"/api/congresses/{cid}/registrations/{row['id']}", {"status": "cancelled"})
    result = solve(api, cid)
    assert result["scheduled"] == 2
    assert [(u["candidate"], u["reason"]) for u in result["unscheduled"]] == [
        ("Candidate 02", "no active registration for the congress")
    ]


def test_solve_explains_too_few_examiner_slots_in_the_organisers_words(api: Api) -> None:
    window = ("2026-06-19T09:00:00+02:00", "2026-06-19T10:00:00+02:00")
    setup = diploma(api, candidates=4, examiners=2, windows=[window])
    result = solve(api, setup["congress"])
    assert result["status"] == "infeasible"
    assert result["scheduled"] == 0
    messages = " ".join(e["message"] for e in result["explanations"])
    assert "4 candidates need 8 examiner-slots" in messages, result["explanations"]
    assert api.call("GET", exam(setup["congress"], "/slots")) == []


def test_minimal_change_solve_after_an_examiner_drops_out_keeps_the_others(api: Api) -> None:
    setup = diploma(api, candidates=6, examiners=5, workstations=3)
    cid = setup["congress"]
    solve(api, cid, mode="fresh")
    before = slots_by_candidate(api, cid)
    leaving = setup["examiners"]["Examiner 01"]
    api.call("PATCH", exam(cid, f"/examiners/{leaving['examiner']}"), {"withdrawn": True})
    result = solve(api, cid, mode="minimal_change")
    after = slots_by_candidate(api, cid)
    assert all(leaving["person"] not in {p["person_id"] for p in s["panel"]} for s in after.values())
    affected = {c for c, s in before.items() if leaving["person"] in {p["person_id"] for p in s["panel"]}}
    for candidate, slot in after.items():
        if candidate not in affected:
            assert slot == before[candidate]
        else:
            assert len(slot["panel"]) == 2
    assert {m["candidate"] for m in result["moved"]} <= affected


# --- hand edits ----------------------------------------------------------------------------------------------


def place(
    api: Api,
    setup: dict[str, Any],
    candidate: str,
    start: str,
    examiners: list[str],
    station: int = 0,
    status: int = 201,
) -> dict[str, Any]:
    body = {
        "application_id": setup["candidates"][candidate]["application"],
        "workstation_id": setup["workstations"][station],
        "starts_at": start,
        "examiner_ids": [setup["examiners"][e]["person"] for e in examiners],
    }
    result: dict[str, Any] = api.call("POST", exam(setup["congress"], "/slots"), body, status=status)
    return result


def test_hand_placed_slot_overlapping_an_examiners_slot_is_refused(api: Api) -> None:
    setup = diploma(api, candidates=2, examiners=3)
    place(api, setup, "Candidate 01", "2026-06-18T09:00:00+02:00", ["Examiner 01", "Examiner 02"])
    problem = place(
        api,
        setup,
        "Candidate 02",
        "2026-06-18T09:10:00+02:00",
        ["Examiner 01", "Prof. Ada Knee"],
        station=1,
        status=409,
    )
    assert problem["code"] in {"examiner_double_booked", "examiner_busy"}
    problem = place(
        api, setup, "Candidate 02", "2026-06-18T09:10:00+02:00", ["Examiner 01", "Examiner 02"], station=1, status=409
    )
    assert problem["code"] == "examiner_double_booked"


def test_hand_placed_slot_on_a_busy_workstation_is_refused(api: Api) -> None:
    setup = diploma(api, candidates=2, examiners=5)
    place(api, setup, "Candidate 01", "2026-06-18T09:00:00+02:00", ["Examiner 01", "Examiner 02"])
    problem = place(api, setup, "Candidate 02", "2026-06-18T09:00:00+02:00", ["Examiner 03", "Examiner 04"], status=409)
    assert problem["code"] == "workstation_double_booked"


def test_hand_placed_slot_checks_teaching_conflicts_and_registration(api: Api) -> None:
    setup = diploma(api, candidates=2, examiners=3)
    cid = setup["congress"]
    problem = place(
        api, setup, "Candidate 01", "2026-06-18T09:00:00+02:00", ["Prof. Ada Knee", "Examiner 01"], status=409
    )
    assert (problem["code"], problem["detail"]) == ("examiner_busy", "Prof. Ada Knee teaches 'MR of the knee' then")
    api.call(
        "POST",
        exam(cid, "/conflicts"),
        {
            "candidate_id": setup["candidates"]["Candidate 01"]["person"],
            "examiner_id": setup["examiners"]["Examiner 01"]["person"],
        },
    )
    problem = place(
        api, setup, "Candidate 01", "2026-06-18T10:30:00+02:00", ["Prof. Ada Knee", "Examiner 01"], status=422
    )
    assert problem["code"] == "conflict_of_interest"
    problem = place(
        api, setup, "Candidate 01", "2026-06-18T13:00:00+02:00", ["Prof. Ada Knee", "Examiner 02"], status=422
    )
    assert problem["code"] == "outside_oral_window"


def test_check_in_refuses_a_candidate_whose_registration_was_cancelled(api: Api, clean_db: Engine) -> None:
    setup = diploma(api, candidates=1, examiners=3)
    cid = setup["congress"]
    slot = place(api, setup, "Candidate 01", "2026-06-18T09:00:00+02:00", ["Examiner 01", "Examiner 02"])
    registrations = api.call("GET", f"/api/congresses/{cid}/registrations?limit=500")["items"]
    (row,) = [r for r in registrations if r["person_id"] == setup["candidates"]["Candidate 01"]["person"]]
    api.call("PATCH", f"/api/congresses/{cid}/registrations/{row['id']}", {"status": "cancelled"})
    examiner = as_person(api, clean_db, Role.EXAMINER, setup["examiners"]["Examiner 01"]["person"])
    assert examiner.call("POST", exam(cid, f"/slots/{slot['id']}/check-in"), status=409)["code"] == "not_registered"


# --- who sees which slots -------------------------------------------------------------------------------


def test_examiner_sees_only_their_slots_and_candidate_only_their_own(api: Api, clean_db: Engine) -> None:
    setup = diploma(api, candidates=2, examiners=5)
    cid = setup["congress"]
    first = place(api, setup, "Candidate 01", "2026-06-18T09:00:00+02:00", ["Examiner 01", "Examiner 02"])
    second = place(api, setup, "Candidate 02", "2026-06-18T09:00:00+02:00", ["Examiner 03", "Examiner 04"], station=1)
    examiner = as_person(api, clean_db, Role.EXAMINER, setup["examiners"]["Examiner 01"]["person"])
    assert [s["id"] for s in examiner.call("GET", exam(cid, "/slots"))] == [first["id"]]
    examiner.call("GET", exam(cid, f"/slots/{second['id']}"), status=404)
    candidate = as_person(api, clean_db, Role.CANDIDATE, setup["candidates"]["Candidate 02"]["person"])
    assert [s["id"] for s in candidate.call("GET", exam(cid, "/slots"))] == [second["id"]]
    candidate.call("GET", exam(cid, f"/slots/{first['id']}"), status=404)
    idle = as_person(api, clean_db, Role.EXAMINER, setup["examiners"]["Examiner 04"]["person"])
    assert [s["candidate"] for s in idle.call("GET", exam(cid, "/slots"))] == ["Candidate 02"]


# --- results ---------------------------------------------------------------------------------------------


def test_results_are_summed_released_and_read_only_by_their_candidate(api: Api, clean_db: Engine) -> None:
    setup = diploma(api, candidates=2, examiners=3)
    cid = setup["congress"]
    one, two = setup["candidates"]["Candidate 01"], setup["candidates"]["Candidate 02"]
    slot1 = place(api, setup, "Candidate 01", "2026-06-18T09:00:00+02:00", ["Examiner 01", "Examiner 02"])
    slot2 = place(api, setup, "Candidate 02", "2026-06-18T09:20:00+02:00", ["Examiner 01", "Examiner 02"])
    report = api.call(
        "PUT",
        exam(cid, "/written-scores"),
        {
            "rows": [
                {"email": api.call("GET", f"/api/people/{one['person']}")["email"], "score": 32},
                {"email": api.call("GET", f"/api/people/{two['person']}")["email"], "score": 25},
            ]
        },
    )
    assert report == {"updated": 2, "unchanged": 0}
    for name in ("Examiner 01", "Examiner 02"):
        examiner = as_person(api, clean_db, Role.EXAMINER, setup["examiners"][name]["person"])
        examiner.call("PUT", exam(cid, f"/slots/{slot1['id']}/mark"), {"score": 30})
        examiner.call("PUT", exam(cid, f"/slots/{slot2['id']}/mark"), {"score": 35})
    outsider = as_person(api, clean_db, Role.EXAMINER, setup["examiners"]["Prof. Ada Knee"]["person"])
    outsider.call("PUT", exam(cid, f"/slots/{slot1['id']}/mark"), {"score": 40}, status=404)
    candidate = as_person(api, clean_db, Role.CANDIDATE, one["person"])
    before = candidate.call("GET", exam(cid, "/my-result"))
    assert (before["outcome"], before["written_score"]) == ("pending", None)
    summary = api.call("POST", exam(cid, "/results/release"), status=200)
    assert (summary["passed"], summary["failed"], summary["pass_rate"]) == (1, 1, 0.5)
    mine = candidate.call("GET", exam(cid, "/my-result"))
    assert (mine["outcome"], mine["total_percent"], mine["diploma_valid_until"]) == ("passed", 77.5, "2031-06-18")
    candidate.call("GET", exam(cid, f"/applications/{two['application']}/result"), status=404)
    failed = as_person(api, clean_db, Role.CANDIDATE, two["person"]).call("GET", exam(cid, "/my-result"))
    assert (failed["outcome"], failed["reasons"]) == ("failed", ["written part failed: 25/40, pass mark 28"])


def test_release_with_missing_marks_is_refused(api: Api) -> None:
    setup = diploma(api, candidates=1, examiners=3)
    cid = setup["congress"]
    place(api, setup, "Candidate 01", "2026-06-18T09:00:00+02:00", ["Examiner 01", "Examiner 02"])
    assert api.call("POST", exam(cid, "/results/release"), status=409)["code"] == "results_incomplete"


def test_written_score_import_is_all_or_nothing(api: Api) -> None:
    setup = diploma(api, candidates=1, examiners=0)
    cid = setup["congress"]
    email = api.call("GET", f"/api/people/{setup['candidates']['Candidate 01']['person']}")["email"]
    rows = [{"email": email, "score": 30}, {"email": "nobody@example.org", "score": 10}]
    problem = api.call("PUT", exam(cid, "/written-scores"), {"rows": rows}, status=422)
    assert problem["detail"] == "row 2: nobody@example.org has no application in this sitting"
    result = api.call("GET", exam(cid, f"/applications/{setup['candidates']['Candidate 01']['application']}/result"))
    assert result["written_score"] is None


def test_a_failed_candidate_retakes_free_next_year(api: Api) -> None:
    setup = diploma(api, candidates=1, examiners=3)
    cid, one = setup["congress"], setup["candidates"]["Candidate 01"]
    slot = place(api, setup, "Candidate 01", "2026-06-18T09:00:00+02:00", ["Examiner 01", "Examiner 02"])
    api.call("PUT", exam(cid, f"/applications/{one['application']}/written"), {"score": 20})
    for name in ("Examiner 01", "Examiner 02"):
        body = {"score": 30, "examiner_id": setup["examiners"][name]["person"]}
        api.call("PUT", exam(cid, f"/slots/{slot['id']}/mark"), body)
    assert api.call("POST", exam(cid, "/results/release"), status=200)["failed"] == 1
    later = api.congress(first_day="2027-06-17", last_day="2027-06-19")
    room = api.room(later["id"], name="Exam Room", equipment={"exam_workstation": 1})
    window = {"starts_at": "2027-06-18T09:00:00+02:00", "ends_at": "2027-06-18T12:00:00+02:00"}
    body = {
        "title": "EDiMSK 2027",
        "exam_year": 2027,
        "seat_limit": 5,
        "oral_windows": [window],
        "exam_rooms": [room["id"]],
    }
    api.call("PUT", exam(later["id"]), body)
    retake = api.call("POST", exam(later["id"], "/applications"), {"person_id": one["person"]})
    assert (retake["previous_failures"], retake["fee_eur"]) == (1, 0)
