"""The ``congress`` command: migrations, organiser tokens and bundle loading."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
import yaml
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine

from congress.cli import main
from congress.config import Settings, get_settings
from examples.demo import build_bundle
from tests.integration.test_bad_input import row_counts


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


def test_solve_of_an_unknown_congress_fails_cleanly(cli_env: CliRunner, clean_db: Engine) -> None:
    result = cli_env.invoke(main, ["solve", "--congress", "no-such-congress"])
    assert result.exit_code == 2
    assert "no-such-congress" in result.output
