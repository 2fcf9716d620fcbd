"""The ``congress`` command: migrations, organiser tokens and bundle loading."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from congress.cli import main
from congress.config import Settings, get_settings
from congress.lib.security import Role
from examples.demo import build_bundle
from tests.conftest import issue_token
from tests.congress.publishing.test_frab import validate_json, validate_xml
from tests.factories import Api, badge_world, released_programme
from tests.icaljs import parse_with_icaljs, utc
from tests.integration.test_bad_input import row_counts
from tests.qr import decode_with_zbar


@pytest.fixture
def cli_env(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("CONGRESS_DATABASE_URL", migrated.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "essr.json"
    path.write_bytes(msgspec.json.encode(build_bundle("essr")))
    return path


def test_create_organiser_prints_a_token_that_works(
    cli_env: CliRunner, client: TestClient[Litestar], clean_db: Engine
) -> None:
    result = cli_env.invoke(main, ["users", "create-organiser", "--name", "first"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["role"] == "organiser"


def test_load_writes_the_whole_demo_congress(cli_env: CliRunner, clean_db: Engine, demo_file: Path) -> None:
    bundle = build_bundle("essr")
    result = cli_env.invoke(main, ["load", str(demo_file)])
    assert result.exit_code == 0, result.output
    counts = row_counts(clean_db)
    assert counts["congress"] == 1
    assert counts["room"] == len(bundle.rooms)
    assert counts["person"] == len(bundle.people)
    assert counts["registration"] == len(bundle.registrations)
    assert counts["programme_item"] == len(bundle.items)
    assert counts["membership"] == sum(len(p.memberships) for p in bundle.people)
    assert counts["availability"] == len(bundle.availability)
    assert counts["item_precedence"] == sum(len(i.follows) for i in bundle.items)
    assert bundle.diploma is not None
    assert counts["exam_sitting"] == 1
    assert counts["exam_application"] == len(bundle.diploma.applications)
    assert counts["examiner"] == len(bundle.diploma.examiners)


def test_load_twice_refuses_without_replace_and_replaces_with_it(
    cli_env: CliRunner, clean_db: Engine, demo_file: Path
) -> None:
    assert cli_env.invoke(main, ["load", str(demo_file)]).exit_code == 0
    before = row_counts(clean_db)
    again = cli_env.invoke(main, ["load", str(demo_file)])
    assert again.exit_code == 2
    assert "slug_taken" in again.output
    assert row_counts(clean_db) == before
    replaced = cli_env.invoke(main, ["load", "--replace", str(demo_file)])
    assert replaced.exit_code == 0, replaced.output
    assert row_counts(clean_db) == before


def test_load_reads_yaml_bundles(cli_env: CliRunner, clean_db: Engine, tmp_path: Path) -> None:
    document = msgspec.to_builtins(build_bundle("essr"))
    path = tmp_path / "essr.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = cli_env.invoke(main, ["load", str(path)])
    assert result.exit_code == 0, result.output
    assert row_counts(clean_db)["programme_item"] == len(document["items"])


def test_invalid_bundle_reports_every_problem_and_writes_nothing(
    cli_env: CliRunner, clean_db: Engine, tmp_path: Path
) -> None:
    document = msgspec.to_builtins(build_bundle("essr"))
    document["items"][0]["faculty"].append({"email": "ghost@example.org", "role": "speaker"})
    document["items"][1]["follows"] = [document["items"][2]["code"]]
    document["items"][2]["follows"] = [document["items"][1]["code"]]
    document["availability"].append(
        {
            "kind": "unavailable",
            "room": "Nowhere",
            "starts_at": "2026-06-18T08:00:00+02:00",
            "ends_at": "2026-06-18T09:00:00+02:00",
        }
    )
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    before = row_counts(clean_db)
    result = cli_env.invoke(main, ["load", str(path)])
    assert result.exit_code == 2
    assert "$.items[0].faculty[" in result.output
    assert "ghost@example.org" in result.output
    assert "cycle" in result.output
    assert "no room named 'Nowhere'" in result.output
    assert row_counts(clean_db) == before


def test_schema_violation_in_bundle_names_the_field(cli_env: CliRunner, clean_db: Engine, tmp_path: Path) -> None:
    document = msgspec.to_builtins(build_bundle("essr"))
    document["rooms"][0]["capacity"] = "large"
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = cli_env.invoke(main, ["load", str(path)])
    assert result.exit_code == 2
    assert "$.rooms[0].capacity" in result.output
    assert row_counts(clean_db)["congress"] == 0


def test_solve_places_the_demo_congress_and_releases_it(cli_env: CliRunner, clean_db: Engine, demo_file: Path) -> None:
    assert cli_env.invoke(main, ["load", str(demo_file)]).exit_code == 0
    slug = build_bundle("essr").congress.slug
    result = cli_env.invoke(main, ["solve", "--congress", slug, "--time-limit", "20", "--seed", "1", "--release"])
    assert result.exit_code == 0, result.output
    assert "hard violations 0" in result.output
    assert "released as version 1" in result.output
    counts = row_counts(clean_db)
    assert counts["schedule_version"] == 1
    assert counts["assignment"] == sum(i.runs for i in build_bundle("essr").items)


def test_exams_solve_schedules_the_demo_sitting_around_the_released_programme(
    cli_env: CliRunner, clean_db: Engine, demo_file: Path
) -> None:
    assert cli_env.invoke(main, ["load", str(demo_file)]).exit_code == 0
    slug = build_bundle("essr").congress.slug
    assert (
        cli_env.invoke(main, ["solve", "--congress", slug, "--time-limit", "20", "--seed", "1", "--release"]).exit_code
        == 0
    )
    result = cli_env.invoke(main, ["exams", "solve", "--congress", slug, "--time-limit", "20", "--mode", "fresh"])
    assert result.exit_code == 0, result.output
    assert "orals: optimal · 24 candidates scheduled" in result.output
    counts = row_counts(clean_db)
    assert (counts["exam_slot"], counts["exam_panel"]) == (24, 48)
    again = cli_env.invoke(main, ["exams", "solve", "--congress", slug, "--time-limit", "20"])
    assert again.exit_code == 0, again.output
    assert "24 slots unchanged · 0 moved" in again.output


def test_solve_of_an_unknown_congress_fails_cleanly(cli_env: CliRunner, clean_db: Engine) -> None:
    result = cli_env.invoke(main, ["solve", "--congress", "no-such-congress"])
    assert result.exit_code == 2
    assert "no-such-congress" in result.output


# --- congress export ---------------------------------------------------------------------------------------------


@pytest.fixture
def released(api: Api) -> dict[str, Any]:
    """``released_programme`` plus its slug, the people's e-mails and the release's runs as the API reads them."""
    setup = released_programme(api)
    cid = setup["congress"]
    rows = api.call("GET", f"/api/congresses/{cid}/versions/{setup['version']}/assignments?limit=500")["items"]
    return setup | {
        "slug": api.call("GET", f"/api/congresses/{cid}")["slug"],
        "emails": {key: api.call("GET", f"/api/people/{pid}")["email"] for key, pid in setup["people"].items()},
        "starts": {
            (r["item_id"], r["run"]): dt.datetime.fromisoformat(r["starts_at"]).astimezone(dt.UTC) for r in rows
        },
    }


def export(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, ["export", *args])


def ical_starts(path: Path) -> dict[tuple[str, int], dt.datetime]:
    """(item id, run) → UTC start of every event in the file, as ical.js reads it."""
    parsed = parse_with_icaljs(path.read_bytes())
    assert not any(e["floating"] for e in parsed["events"])
    starts = {}
    for event in parsed["events"]:
        item, run = event["uid"].split("@", 1)[0].rsplit(".", 1)
        starts[(item, int(run))] = utc(event["start"])
    return starts


def flat(result: Result) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def runs_of(released: dict[str, Any], *codes: str) -> dict[tuple[str, int], dt.datetime]:
    ids = {released["items"][code] for code in codes}
    return {key: start for key, start in released["starts"].items() if key[0] in ids}


def test_export_ical_whole_programme_has_release_utc_starts(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out" / "programme.ics"

    result = export(cli_env, "ical", "--congress", released["slug"], "--out", str(out))

    assert result.exit_code == 0, result.output
    assert ical_starts(out) == released["starts"]
    assert len(released["starts"]) == 5
    assert not out.with_name(out.name + ".part").exists()


@pytest.mark.parametrize(("person", "codes"), [("prof", ("RC 1", "RC 2")), ("tutor", ("HW 1",))])
def test_export_ical_person_only_their_faculty_events(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path, person: str, codes: tuple[str, ...]
) -> None:
    out = tmp_path / f"{person}.ics"

    result = export(
        cli_env, "ical", "--congress", released["slug"], "--person", released["emails"][person], "--out", str(out)
    )

    assert result.exit_code == 0, result.output
    assert ical_starts(out) == runs_of(released, *codes)


def test_export_ical_person_email_case_insensitive(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "prof.ics"
    email = " " + released["emails"]["prof"].upper() + " "

    result = export(cli_env, "ical", "--congress", released["slug"], "--person", email, "--out", str(out))

    assert result.exit_code == 0, result.output
    assert ical_starts(out) == runs_of(released, "RC 1", "RC 2")


def test_export_ical_room_only_that_rooms_events(cli_env: CliRunner, released: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "lab.ics"

    result = export(cli_env, "ical", "--congress", released["slug"], "--room", "US-Lab", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert ical_starts(out) == runs_of(released, "HW 1")
    assert len(ical_starts(out)) == 2


def test_export_ical_topic_only_that_topics_events(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "neuro.ics"

    result = export(cli_env, "ical", "--congress", released["slug"], "--topic", "neuro", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert ical_starts(out) == runs_of(released, "RC 3")


def test_export_frab_json_file_valid_against_schema(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "cli" / "schedule.json"  # the validator writes its own copy to tmp_path

    result = export(cli_env, "frab", "--congress", released["slug"], "--format", "json", "--out", str(out))

    assert result.exit_code == 0, result.output
    checked = validate_json(out.read_bytes(), tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    days = json.loads(out.read_bytes())["schedule"]["conference"]["days"]
    dates = sorted(dt.datetime.fromisoformat(e["date"]) for d in days for es in d["rooms"].values() for e in es)
    assert dates == sorted(released["starts"].values())


def test_export_frab_xml_file_valid_against_xsd(cli_env: CliRunner, released: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "cli" / "schedule.xml"  # the validator writes its own copy to tmp_path

    result = export(cli_env, "frab", "--congress", released["slug"], "--format", "xml", "--out", str(out))

    assert result.exit_code == 0, result.output
    checked = validate_xml(out.read_bytes(), tmp_path)
    assert checked.returncode == 0, checked.stderr
    dates = sorted(dt.datetime.fromisoformat(e.findtext("date") or "") for e in ET.parse(out).iter("event"))
    assert dates == sorted(released["starts"].values())


def test_export_frab_same_bytes_as_api(
    cli_env: CliRunner, released: dict[str, Any], client: TestClient[Litestar], tmp_path: Path
) -> None:
    for fmt in ("json", "xml"):
        out = tmp_path / f"schedule.{fmt}"
        result = export(cli_env, "frab", "--congress", released["slug"], "--format", fmt, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == client.get(f"/api/congresses/{released['congress']}/schedule.{fmt}").content


def test_export_table_xlsx_file_opens_with_a_row_per_run(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "programme.xlsx"

    result = export(cli_env, "table", "--congress", released["slug"], "--format", "xlsx", "--out", str(out))

    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["Programme"]
    header, *rows = ([cell.value for cell in row] for row in sheet.iter_rows())
    starts = sorted(dt.datetime.fromisoformat(row[header.index("Starts UTC")]) for row in rows)
    assert starts == sorted(released["starts"].values())


def test_export_table_csv_file_has_bom_and_a_row_per_run(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "programme.csv"

    result = export(cli_env, "table", "--congress", released["slug"], "--format", "csv", "--out", str(out))

    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    starts = sorted(dt.datetime.fromisoformat(row[header.index("Starts UTC")]) for row in rows)
    assert starts == sorted(released["starts"].values())


@pytest.mark.parametrize(
    "command",
    [["ical"], ["frab", "--format", "json"], ["frab", "--format", "xml"], ["table", "--format", "csv"], ["table"]],
    ids=["ical", "frab-json", "frab-xml", "table-csv", "table-xlsx"],
)
def test_export_unknown_congress_exit_2_no_file(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path, command: list[str]
) -> None:
    out = tmp_path / "export.out"

    result = export(cli_env, *command, "--congress", "no-such-congress", "--out", str(out))

    assert result.exit_code == 2, result.output
    assert "No congress with slug 'no-such-congress'" in flat(result)
    assert list(tmp_path.iterdir()) == []


def test_export_ical_unknown_person_exit_2_no_file(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "ghost.ics"

    result = export(cli_env, "ical", "--congress", released["slug"], "--person", "ghost@example.org", "--out", str(out))

    assert result.exit_code == 2, result.output
    assert "No person with e-mail 'ghost@example.org'" in flat(result)
    assert list(tmp_path.iterdir()) == []


def test_export_ical_unknown_room_exit_2_no_file(cli_env: CliRunner, released: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "nowhere.ics"

    result = export(cli_env, "ical", "--congress", released["slug"], "--room", "Nowhere", "--out", str(out))

    assert result.exit_code == 2, result.output
    assert "No room named 'Nowhere'" in flat(result)
    assert list(tmp_path.iterdir()) == []


def test_export_ical_room_of_another_congress_exit_2(
    cli_env: CliRunner, api: Api, released: dict[str, Any], tmp_path: Path
) -> None:
    other = api.congress()
    api.room(other["id"], name="Elsewhere")
    out = tmp_path / "elsewhere.ics"

    result = export(cli_env, "ical", "--congress", released["slug"], "--room", "Elsewhere", "--out", str(out))

    assert result.exit_code == 2, result.output
    assert "No room named 'Elsewhere'" in flat(result)
    assert not out.exists()


def test_export_failure_leaves_existing_file_untouched(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "schedule.json"
    out.write_bytes(b"previous")

    result = export(cli_env, "frab", "--congress", "no-such-congress", "--out", str(out))

    assert result.exit_code == 2, result.output
    assert out.read_bytes() == b"previous"


def test_export_before_any_release_exit_2_no_file(cli_env: CliRunner, api: Api, tmp_path: Path) -> None:
    congress = api.congress()
    out = tmp_path / "schedule.json"

    result = export(cli_env, "frab", "--congress", congress["slug"], "--out", str(out))

    assert result.exit_code == 2, result.output
    assert "no_release" in flat(result)
    assert not out.exists()


@pytest.mark.parametrize("other", [["--room", "US-Lab"], ["--topic", "MSK"]], ids=["room", "topic"])
def test_export_ical_person_with_room_or_topic_usage_error(
    cli_env: CliRunner, released: dict[str, Any], tmp_path: Path, other: list[str]
) -> None:
    out = tmp_path / "both.ics"
    person = ["--person", released["emails"]["prof"]]

    result = export(cli_env, "ical", "--congress", released["slug"], *person, *other, "--out", str(out))

    assert result.exit_code == 2, result.output
    assert "Usage:" in result.output
    assert "--person cannot be combined with --room or --topic" in flat(result)
    assert not out.exists()


def test_export_unknown_format_usage_error(cli_env: CliRunner, released: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "schedule.yaml"

    result = export(cli_env, "frab", "--congress", released["slug"], "--format", "yaml", "--out", str(out))

    assert result.exit_code == 2
    assert "Invalid value for '--format'" in flat(result)
    assert not out.exists()


# -- import ---------------------------------------------------------------------------------------------------

IMPORT_EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "imports"


@pytest.fixture
def vienna_slug(api: Api) -> str:
    congress = api.congress(time_zone="Europe/Vienna", first_day="2026-06-18", last_day="2026-06-20")
    slug: str = congress["slug"]
    return slug


def test_import_dry_run_counts_and_writes_nothing(cli_env: CliRunner, api: Api, vienna_slug: str) -> None:
    result = cli_env.invoke(
        main, ["import", "rooms", str(IMPORT_EXAMPLES / "rooms.csv"), "--congress", vienna_slug, "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "dry run: nothing written" in result.output
    congress = next(c for c in api.call("GET", "/api/congresses")["items"] if c["slug"] == vienna_slug)
    assert api.call("GET", f"/api/congresses/{congress['id']}/rooms")["total"] == 0


def test_import_writes_every_example_and_lists_problems_by_row(
    cli_env: CliRunner, api: Api, vienna_slug: str, tmp_path: Path
) -> None:
    for kind, name in (("rooms", "rooms.csv"), ("people", "people.csv"), ("items", "items.xlsx")):
        result = cli_env.invoke(main, ["import", kind, str(IMPORT_EXAMPLES / name), "--congress", vienna_slug])
        assert result.exit_code == 0, result.output
        assert "0 problem(s); written" in result.output
    broken = tmp_path / "rooms.csv"
    broken.write_text("name,capacity\nHall Z,lots\n")
    result = cli_env.invoke(main, ["import", "rooms", str(broken), "--congress", vienna_slug])
    assert result.exit_code == 1
    assert "rooms.csv, row 2, column 'capacity' (invalid_value)" in result.output
    assert "nothing written" in result.output


def test_import_calendar_needs_a_person(cli_env: CliRunner, vienna_slug: str, tmp_path: Path) -> None:
    ics = tmp_path / "me.ics"
    ics.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n")
    result = cli_env.invoke(main, ["import", "calendar", str(ics), "--congress", vienna_slug])
    assert result.exit_code == 2
    assert "--person" in result.output


def test_outbox_send_without_a_mail_server_says_what_to_set(
    cli_env: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONGRESS_SMTP_HOST", raising=False)
    result = cli_env.invoke(main, ["outbox", "send", "--once"])
    assert result.exit_code == 2
    assert "CONGRESS_SMTP_HOST" in result.output


# --- badges and scans ------------------------------------------------------------------------------------------


def test_badges_export_writes_decodable_pngs_and_a_pdf_sheet(
    cli_env: CliRunner, api: Api, clean_db: Engine, tmp_path: Path
) -> None:
    world = badge_world(api, clean_db, attendees=3)
    slug = api.call("GET", f"/api/congresses/{world['congress']}")["slug"]
    pngs = cli_env.invoke(
        main, ["badges", "export", "--congress", slug, "--format", "png", "--out", str(tmp_path / "png")]
    )
    assert pngs.exit_code == 0, pngs.output
    files = sorted((tmp_path / "png").glob("*.png"))
    assert len(files) == 3
    assert {decode_with_zbar(f)[0] for f in files} == set(world["tokens"].values())
    sheet = cli_env.invoke(main, ["badges", "export", "--congress", slug, "--format", "pdf", "--out", str(tmp_path)])
    assert sheet.exit_code == 0, sheet.output
    assert "wrote 3 badges on 1 pages" in sheet.output
    assert (tmp_path / f"{slug}-badges.pdf").read_bytes().startswith(b"%PDF-")


def test_scans_purge_keeps_certificates_byte_identical_and_verifiable(
    cli_env: CliRunner, api: Api, clean_db: Engine
) -> None:
    world = badge_world(api, clean_db, attendees=1)
    cid, person = world["congress"], world["attendees"][0]
    slug = api.call("GET", f"/api/congresses/{cid}")["slug"]
    device = Api(api.client, world["device_token"])
    scans = [
        {"nonce": "purge-scan-0001", "badge": world["tokens"][person], "scanned_at": "2026-06-18T08:55:00+02:00"},
        {
            "nonce": "purge-scan-0002",
            "badge": world["tokens"][person],
            "scanned_at": "2026-06-18T10:31:00+02:00",
            "direction": "out",
        },
    ]
    device.call("POST", f"/api/congresses/{cid}/scans", {"scans": scans}, 200)
    me = Api(api.client, issue_token(clean_db, Role.ATTENDEE, uuid.UUID(person)))
    before = me.client.get(f"/api/congresses/{cid}/cme/certificate.pdf", headers=me.headers).content
    statement = me.call("GET", f"/api/congresses/{cid}/cme/statement")
    kept = cli_env.invoke(main, ["scans", "purge", "--congress", slug, "--retention-days", "3000"])
    assert "nothing purged" in kept.output
    result = cli_env.invoke(main, ["scans", "purge", "--congress", slug, "--retention-days", "0"])
    assert result.exit_code == 0, result.output
    assert "froze 1 CME statements, deleted 2 raw scans" in result.output
    assert row_counts(clean_db)["scan"] == 0
    after = me.call("GET", f"/api/congresses/{cid}/cme/statement")
    assert (after["frozen"], after["statement"], after["certificate_code"]) == (
        True,
        statement["statement"],
        statement["certificate_code"],
    )
    assert me.client.get(f"/api/congresses/{cid}/cme/certificate.pdf", headers=me.headers).content == before
    check = api.client.get(f"/api/certificates/{statement['certificate_code']}").json()
    assert (check["name"], check["credits"]) == ("Attendee 01", "1.00")


# -- CoSPLib workbooks -----------------------------------------------------------------------------


COSPLIB = Path(__file__).resolve().parent.parent / "data" / "cosplib"


def _total(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("total ")).removeprefix("total ")


def test_cosplib_solve_writes_a_schedule_and_prints_the_checkers_score_of_it(tmp_path: Path) -> None:
    from importers.cosplib import read_instance, read_solution
    from importers.cosplib_score import score

    out = tmp_path / "N2OR-ours.xlsx"
    instance_file = COSPLIB / "instances" / "N2OR.xlsx"
    args = ["cosplib", "solve", str(instance_file), "--time-limit", "5", "--seed", "1", "--workers", "2"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Submissions_Sessions|Penalty" in result.stdout
    instance = read_instance(instance_file.read_bytes(), instance_file.name).instance
    assert instance is not None
    written = read_solution(out.read_bytes(), out.name, instance).solution
    assert written is not None
    checked = score(instance, written)
    assert checked.all_scheduled
    assert _total(result.stdout) == f"{checked.total:,}"
    # The score command agrees.
    again = CliRunner().invoke(main, ["cosplib", "score", str(instance_file), str(out)])
    assert again.exit_code == 0, again.output
    assert _total(again.stdout) == f"{checked.total:,}"


def test_cosplib_score_prints_every_family_and_the_total() -> None:
    result = CliRunner().invoke(
        main,
        [
            "cosplib",
            "score",
            str(COSPLIB / "instances" / "GECCO20.xlsx"),
            str(COSPLIB / "reference-solutions" / "GECCO20-exact.xlsx"),
        ],
    )
    assert result.exit_code == 0, result.output
    for family in ("Tracks_Sessions|Penalty", "Similar Tracks", "Consecutive tracks", "Submissions order"):
        assert family in result.stdout
    assert _total(result.stdout) == "6,298"


def test_cosplib_a_malformed_workbook_is_refused_naming_sheet_row_and_column(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(COSPLIB / "instances" / "N2OR.xlsx")
    sheet = book["submissions"]
    assert sheet.cell(row=1, column=3).value == "Required Timeslots"
    sheet.cell(row=3, column=3).value = "two"
    broken = tmp_path / "broken.xlsx"
    book.save(broken)
    out = tmp_path / "never.xlsx"
    result = CliRunner().invoke(main, ["cosplib", "solve", str(broken), "--time-limit", "5", "--out", str(out)])
    assert result.exit_code == 1
    assert "broken.xlsx, sheet submissions, row 3, column 'Required Timeslots'" in result.output
    assert not out.exists()
    scored = CliRunner().invoke(
        main, ["cosplib", "score", str(broken), str(COSPLIB / "reference-solutions" / "N2OR-exact.xlsx")]
    )
    assert scored.exit_code == 1
    assert "sheet submissions, row 3" in scored.output


def test_cosplib_score_refuses_a_schedule_of_another_instance() -> None:
    result = CliRunner().invoke(
        main,
        [
            "cosplib",
            "score",
            str(COSPLIB / "instances" / "N2OR.xlsx"),
            str(COSPLIB / "reference-solutions" / "GECCO20-exact.xlsx"),
        ],
    )
    assert result.exit_code == 1
    assert "GECCO20-exact.xlsx, sheet sol" in result.output
