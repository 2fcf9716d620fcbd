"""Bundle checks: every problem is found and named by its path, before anything is written."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from congress.domain.bundle.schemas import Bundle
from congress.domain.bundle.services import BundleInvalid, check_bundle, read_bundle
from examples.demo import build_bundle


def edited(**changes: object) -> Bundle:
    document = msgspec.to_builtins(build_bundle("essr"))
    for path, value in changes.items():
        target = document
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return msgspec.convert(document, Bundle)


def test_demo_bundle_has_no_problems() -> None:
    assert check_bundle(build_bundle("essr")) == []


def test_unknown_time_zone_is_reported_at_its_path() -> None:
    problems = check_bundle(edited(congress__time_zone="Europe/Lugano"))
    assert [p.path for p in problems] == ["$.congress.time_zone"]


def test_duplicate_room_name_is_reported() -> None:
    bundle = build_bundle("essr")
    document = msgspec.to_builtins(bundle)
    document["rooms"][1]["name"] = document["rooms"][0]["name"]
    problems = check_bundle(msgspec.convert(document, Bundle))
    assert any(p.path == "$.rooms" and "more than once" in p.message for p in problems)


def test_registration_of_unknown_person_is_reported() -> None:
    problems = check_bundle(edited(registrations__0__email="nobody@example.org"))
    assert [p.path for p in problems] == ["$.registrations[0].email"]


def test_naive_datetime_is_reported() -> None:
    problems = check_bundle(edited(registrations__0__registered_at="2026-01-01T10:00:00"))
    assert [p.path for p in problems] == ["$.registrations[0].registered_at"]


def test_self_following_item_is_reported() -> None:
    bundle = build_bundle("essr")
    code = bundle.items[0].code
    problems = check_bundle(edited(items__0__follows=[code]))
    assert any(p.path == "$.items[0].follows[0]" for p in problems)


def test_malformed_json_file_is_a_bundle_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(msgspec.json.encode(build_bundle("essr"))[:5000])
    with pytest.raises(BundleInvalid) as caught:
        read_bundle(path)
    assert caught.value.code == "bundle_invalid"


def test_missing_file_is_a_bundle_error(tmp_path: Path) -> None:
    with pytest.raises(BundleInvalid) as caught:
        read_bundle(tmp_path / "absent.json")
    assert "cannot read" in caught.value.detail


def test_impossible_yaml_date_is_a_bundle_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("format: congress-bundle/1\ncongress:\n  first_day: 2026-02-30\n", encoding="utf-8")
    with pytest.raises(BundleInvalid) as caught:
        read_bundle(path)
    assert caught.value.code == "bundle_invalid"


def test_window_longer_than_a_month_is_reported() -> None:
    problems = check_bundle(
        edited(
            availability__0__starts_at="2026-01-01T00:00:00+01:00", availability__0__ends_at="2026-06-18T00:00:00+02:00"
        )
    )
    assert [p.path for p in problems] == ["$.availability[0]"]


def test_datetime_far_off_is_reported_not_raised() -> None:
    problems = check_bundle(edited(registrations__0__registered_at="0001-01-01T00:00:00+01:00"))
    assert [p.path for p in problems] == ["$.registrations[0].registered_at"]
