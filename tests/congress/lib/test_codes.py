from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

import pytest

from congress.lib.codes import ALPHABET, CONTEXT, code_matches, normalise_code, verification_code

KEY = b"0" * 32
FIELDS = ("ECR 2026", "Zoë")
CODE = "44ZG-A9S8-N5VG"


def test_verification_code_is_three_groups_of_four_crockford_characters() -> None:
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", CODE)
    assert verification_code(KEY, FIELDS) == CODE


def test_verification_code_is_the_top_60_bits_of_the_hmac() -> None:
    message = CONTEXT + b"".join(len(f.encode()).to_bytes(4, "big") + f.encode() for f in FIELDS)
    top = int.from_bytes(hmac.new(KEY, message, hashlib.sha256).digest()[:8], "big") >> 4
    chars = "".join(ALPHABET[(top >> (55 - 5 * i)) & 31] for i in range(12))
    assert verification_code(KEY, FIELDS) == f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def test_verification_code_differs_when_a_field_changes() -> None:
    assert verification_code(KEY, ("ECR 2026", "Zoe")) != CODE
    assert verification_code(KEY, ("ECR 2026", "Zoë", "")) != CODE
    assert verification_code(b"1" * 32, FIELDS) != CODE


def test_verification_code_separates_fields() -> None:
    assert verification_code(KEY, ("ab", "c")) != verification_code(KEY, ("a", "bc"))


def test_verification_code_reads_unicode_in_one_normal_form() -> None:
    decomposed = tuple(unicodedata.normalize("NFD", f) for f in FIELDS)
    assert decomposed != FIELDS
    assert verification_code(KEY, decomposed) == CODE


def test_verification_code_length_follows_the_grouping() -> None:
    assert re.fullmatch(r"\w{5}-\w{5}", verification_code(KEY, FIELDS, groups=2, group_size=5))


def test_verification_code_refuses_a_short_key() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        verification_code(b"short", FIELDS)


def test_verification_code_refuses_more_bits_than_the_hmac_has() -> None:
    with pytest.raises(ValueError, match="1 to 51 characters"):
        verification_code(KEY, FIELDS, groups=13, group_size=4)


@pytest.mark.parametrize("typed", [CODE, CODE.lower(), CODE.replace("-", ""), " 44zg a9s8 n5vg ", "44ZG A9S8 N5VG"])
def test_code_matches_what_people_type(typed: str) -> None:
    assert code_matches(KEY, typed, FIELDS)


def test_normalise_code_reads_look_alike_letters_as_digits() -> None:
    assert normalise_code("o1il-0000-aaaa") == "0111-0000-AAAA"


@pytest.mark.parametrize(
    "typed", ["", "44ZG-A9S8-N5V", "44ZG-A9S8-N5VGX", "44ZG-A9S8-N5VU", "44ZG-A9S8-N5Vß", "x" * 100]
)
def test_normalise_code_refuses_what_cannot_be_a_code(typed: str) -> None:
    assert normalise_code(typed) is None


def test_code_matches_refuses_another_code() -> None:
    assert not code_matches(KEY, "44ZG-A9S8-N5VH", FIELDS)
    assert not code_matches(KEY, CODE, ("ECR 2026", "Zoe"))
    assert not code_matches(b"1" * 32, CODE, FIELDS)


def test_code_matches_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def compare_digest(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", compare_digest)
    assert code_matches(KEY, CODE.lower(), FIELDS)
    assert not code_matches(KEY, "44ZG-A9S8-N5VH", FIELDS)
    assert compared == [(CODE.encode(), CODE.encode()), (CODE.encode(), b"44ZG-A9S8-N5VH")]
