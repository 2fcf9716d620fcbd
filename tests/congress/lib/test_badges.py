from __future__ import annotations

import base64
import dataclasses
import uuid
from collections import Counter

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congress.lib.badges import (
    CONTEXT,
    PAYLOAD_BYTES,
    PREFIX,
    SCANNER_FORMAT,
    TOKEN_LENGTH,
    BadgeCode,
    BadgeError,
    BadgeKeyError,
    BadgeToken,
    Verdict,
    export_public_keys,
    generate_key,
    key_id,
    keyring,
    load_public_keys,
    parse_badge,
    private_from_bytes,
    private_to_bytes,
    public_from_bytes,
    public_to_bytes,
    read_scanner_document,
    scanner_document,
    sign_badge,
    verify_badge,
)

CONGRESS = uuid.UUID("0192f1a4-3b5c-7d6e-8f90-a1b2c3d4e5f6")
OTHER_CONGRESS = uuid.UUID("0192f1a4-3b5c-7d6e-8f90-a1b2c3d4e5f7")
BADGE = uuid.UUID("0192f1a5-0000-7000-8000-000000000001")
KEY = private_from_bytes(bytes(range(32)))
ATTACKER = private_from_bytes(bytes(range(100, 132)))
KEYS = keyring([KEY.public_key()])
KID = key_id(KEY.public_key())
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def payload(token: str) -> bytes:
    return base64.b32decode(token[len(PREFIX) :])


def encode(raw: bytes) -> str:
    """``raw`` as a token's text, padding stripped: what a forger can put in a QR code."""
    return PREFIX + base64.b32encode(raw).decode("ascii").rstrip("=")


def forge(
    private_key: Ed25519PrivateKey,
    *,
    version: int = 1,
    congress: uuid.UUID = CONGRESS,
    badge: uuid.UUID = BADGE,
    kid: bytes | None = None,
    context: bytes = CONTEXT,
) -> str:
    kid = bytes.fromhex(key_id(private_key.public_key())) if kid is None else kid
    body = bytes((version,)) + congress.bytes + badge.bytes + kid
    return encode(body + private_key.sign(context + body))


def verify(text: object, revoked: frozenset[uuid.UUID] = frozenset()) -> Verdict:
    return verify_badge(text, KEYS, CONGRESS, revoked)


def assert_refused(text: object) -> None:
    """Neither parse nor verify raises anything but ``BadgeError``, and verify refuses."""
    code = None
    try:
        parse_badge(text)
    except BadgeError as exc:
        code = exc.code
    assert code in {None, BadgeCode.MALFORMED, BadgeCode.UNSUPPORTED_VERSION}
    verdict = verify(text)
    assert verdict.code is not BadgeCode.OK
    assert verdict.accepted is False


# -- format ------------------------------------------------------------------------------------------


def test_sign_badge_round_trips_through_parse() -> None:
    token = sign_badge(KEY, CONGRESS, BADGE)
    parsed = parse_badge(token)
    assert (parsed.version, parsed.congress_id, parsed.badge_id, parsed.kid) == (1, CONGRESS, BADGE, KID)
    assert verify(token) == Verdict(BadgeCode.OK, BADGE, KID)


def test_sign_badge_text_is_qr_alphanumeric_and_fixed_length() -> None:
    token = sign_badge(KEY, CONGRESS, BADGE)
    assert token.startswith("CB:")
    assert len(token) == TOKEN_LENGTH == 171
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567:")


def test_sign_badge_is_deterministic() -> None:
    assert sign_badge(KEY, CONGRESS, BADGE) == sign_badge(KEY, CONGRESS, BADGE)
    assert sign_badge(KEY, CONGRESS, BADGE) != sign_badge(KEY, CONGRESS, uuid.UUID(int=BADGE.int + 1))


def test_payload_holds_only_version_ids_key_id_and_signature() -> None:
    token = sign_badge(KEY, CONGRESS, BADGE)
    raw = payload(token)
    parsed = parse_badge(token)
    assert [f.name for f in dataclasses.fields(BadgeToken)] == [
        "version",
        "congress_id",
        "badge_id",
        "kid",
        "signature",
    ]
    assert len(raw) == PAYLOAD_BYTES == 105
    assert raw == b"\x01" + CONGRESS.bytes + BADGE.bytes + bytes.fromhex(KID) + parsed.signature
    assert len(parsed.signature) == 64


def test_signature_covers_context_and_every_field() -> None:
    token = sign_badge(KEY, CONGRESS, BADGE)
    parsed = parse_badge(token)
    KEY.public_key().verify(parsed.signature, CONTEXT + parsed.signed_part)
    assert parsed.signed_part == payload(token)[:41]


# -- machine codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CB:",
        "CB:A",
        "hello",
        "https://example.org/badge",
        "cb:" + sign_badge(KEY, CONGRESS, BADGE)[3:],
        sign_badge(KEY, CONGRESS, BADGE).lower(),
        sign_badge(KEY, CONGRESS, BADGE)[:-1],
        sign_badge(KEY, CONGRESS, BADGE) + "A",
        sign_badge(KEY, CONGRESS, BADGE)[:-1] + "1",
        sign_badge(KEY, CONGRESS, BADGE)[:-1] + "=",
        sign_badge(KEY, CONGRESS, BADGE) + "====",
        "CB:" + "A" * 10_000,
        "CB:AE" + "\u0391" * 166,
        b"\xff\xfe" + b"CB:",
        b"CB:" + b"A" * 10_000,
        None,
        12345,
        ["CB:"],
    ],
)
def test_verify_badge_malformed_for_unreadable_input(text: object) -> None:
    assert verify(text) == Verdict(BadgeCode.MALFORMED)
    with pytest.raises(BadgeError) as caught:
        parse_badge(text)
    assert caught.value.code is BadgeCode.MALFORMED


@pytest.mark.parametrize("version", [0, 2, 255])
def test_verify_badge_unsupported_version_for_other_versions(version: int) -> None:
    token = forge(KEY, version=version)
    assert verify(token) == Verdict(BadgeCode.UNSUPPORTED_VERSION)
    # a later version may be longer or shorter: the version is read first
    assert verify(token + "AAAAAAAA") == Verdict(BadgeCode.UNSUPPORTED_VERSION)
    assert verify(token[:10]) == Verdict(BadgeCode.UNSUPPORTED_VERSION)


def test_verify_badge_unknown_key_for_a_key_not_in_the_keyring() -> None:
    token = forge(ATTACKER)
    assert verify(token) == Verdict(BadgeCode.UNKNOWN_KEY, kid=key_id(ATTACKER.public_key()))


def test_verify_badge_invalid_signature_for_another_key_claiming_a_known_key_id() -> None:
    token = forge(ATTACKER, kid=bytes.fromhex(KID))
    assert verify(token) == Verdict(BadgeCode.INVALID_SIGNATURE, kid=KID)


def test_verify_badge_invalid_signature_without_the_context() -> None:
    token = forge(KEY, context=b"")
    assert verify(token) == Verdict(BadgeCode.INVALID_SIGNATURE, kid=KID)


def test_verify_badge_invalid_signature_for_an_altered_badge_id() -> None:
    raw = bytearray(payload(sign_badge(KEY, CONGRESS, BADGE)))
    raw[20] ^= 0x01
    assert verify(encode(bytes(raw))) == Verdict(BadgeCode.INVALID_SIGNATURE, kid=KID)


def test_verify_badge_wrong_congress_for_a_genuine_badge_of_another_congress() -> None:
    token = sign_badge(KEY, OTHER_CONGRESS, BADGE)
    assert verify(token) == Verdict(BadgeCode.WRONG_CONGRESS)
    assert verify_badge(token, KEYS, OTHER_CONGRESS, ()) == Verdict(BadgeCode.OK, BADGE, KID)


def test_verify_badge_revoked_for_a_badge_on_the_list() -> None:
    token = sign_badge(KEY, CONGRESS, BADGE)
    assert verify(token, frozenset({BADGE})) == Verdict(BadgeCode.REVOKED, BADGE, KID)
    assert verify(token, frozenset({uuid.UUID(int=1)})) == Verdict(BadgeCode.OK, BADGE, KID)


def test_verify_badge_revoked_only_after_the_signature_is_checked() -> None:
    token = forge(ATTACKER, kid=bytes.fromhex(KID))
    assert verify(token, frozenset({BADGE})) == Verdict(BadgeCode.INVALID_SIGNATURE, kid=KID)


def test_verify_badge_accepts_ascii_bytes_and_a_scanners_line_end() -> None:
    token = sign_badge(KEY, CONGRESS, BADGE)
    expected = Verdict(BadgeCode.OK, BADGE, KID)
    assert verify(token.encode("ascii")) == expected
    assert verify(bytearray(token.encode("ascii"))) == expected
    assert verify(memoryview(token.encode("ascii"))) == expected
    assert verify(f"{token}\r\n") == expected
    assert verify(f" {token}\t") == expected


# -- keys --------------------------------------------------------------------------------------------


def test_key_rotation_old_key_verifies_until_removed() -> None:
    old, new = generate_key(), generate_key()
    old_token = sign_badge(old.private_key, CONGRESS, BADGE)
    new_token = sign_badge(new.private_key, CONGRESS, uuid.UUID(int=7))
    both = keyring([old.public_key, new.public_key])
    assert verify_badge(old_token, both, CONGRESS, ()).code is BadgeCode.OK
    assert verify_badge(new_token, both, CONGRESS, ()).code is BadgeCode.OK
    retired = keyring([new.public_key])
    assert verify_badge(old_token, retired, CONGRESS, ()) == Verdict(BadgeCode.UNKNOWN_KEY, kid=old.kid)
    assert verify_badge(new_token, retired, CONGRESS, ()).code is BadgeCode.OK


def test_generate_key_key_id_is_sixteen_hex_digits_of_the_public_key() -> None:
    pair = generate_key()
    assert pair.kid == key_id(pair.public_key)
    assert len(pair.kid) == 16
    assert int(pair.kid, 16) >= 0
    assert parse_badge(sign_badge(pair.private_key, CONGRESS, BADGE)).kid == pair.kid


def test_private_key_round_trips_through_raw_bytes() -> None:
    pair = generate_key()
    raw = private_to_bytes(pair.private_key)
    assert len(raw) == 32
    restored = private_from_bytes(raw)
    assert sign_badge(restored, CONGRESS, BADGE) == sign_badge(pair.private_key, CONGRESS, BADGE)


def test_public_key_round_trips_through_raw_bytes() -> None:
    pair = generate_key()
    raw = public_to_bytes(pair.public_key)
    assert key_id(public_from_bytes(raw)) == pair.kid


@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33)])
def test_key_from_bytes_wrong_length_raises(raw: bytes) -> None:
    with pytest.raises(BadgeKeyError):
        private_from_bytes(raw)
    with pytest.raises(BadgeKeyError):
        public_from_bytes(raw)


def test_export_public_keys_round_trips() -> None:
    old, new = generate_key(), generate_key()
    exported = export_public_keys([new.public_key, old.public_key])
    assert list(exported) == sorted([old.kid, new.kid])
    assert base64.b64decode(exported[old.kid]) == public_to_bytes(old.public_key)
    loaded = load_public_keys(exported)
    token = sign_badge(old.private_key, CONGRESS, BADGE)
    assert verify_badge(token, loaded, CONGRESS, ()) == Verdict(BadgeCode.OK, BADGE, old.kid)


def test_load_public_keys_mismatched_key_id_raises() -> None:
    old, new = generate_key(), generate_key()
    exported = export_public_keys([old.public_key])
    with pytest.raises(BadgeKeyError, match="does not belong"):
        load_public_keys({new.kid: exported[old.kid]})


def test_load_public_keys_not_base64_raises() -> None:
    with pytest.raises(BadgeKeyError, match="not base64"):
        load_public_keys({KID: "not base64!"})


def test_scanner_document_round_trips_keys_and_revocations() -> None:
    old, new = generate_key(), generate_key()
    revoked = {uuid.UUID(int=3), uuid.UUID(int=2)}
    document = scanner_document(CONGRESS, [new.public_key, old.public_key], revoked)
    assert document == scanner_document(CONGRESS, [old.public_key, new.public_key], sorted(revoked))
    config = read_scanner_document(document)
    assert config.congress_id == CONGRESS
    assert sorted(config.keys) == sorted([old.kid, new.kid])
    assert config.revoked == frozenset(revoked)
    assert config.verify(sign_badge(old.private_key, CONGRESS, BADGE)) == Verdict(BadgeCode.OK, BADGE, old.kid)
    revoked_token = sign_badge(new.private_key, CONGRESS, uuid.UUID(int=3))
    assert config.verify(revoked_token) == Verdict(BadgeCode.REVOKED, uuid.UUID(int=3), new.kid)


def test_scanner_document_format_is_stable_json() -> None:
    document = scanner_document(CONGRESS, [KEY.public_key()], [uuid.UUID(int=5)])
    encoded_key = base64.b64encode(public_to_bytes(KEY.public_key())).decode()
    assert (
        document
        == (
            f'{{"format":"{SCANNER_FORMAT}","congress":"{CONGRESS}","keys":{{"{KID}":"{encoded_key}"}},'
            f'"revoked":["{uuid.UUID(int=5)}"]}}'
        ).encode()
    )


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"[]",
        b'{"format":"congress-badge-keys/2","congress":"0192f1a4-3b5c-7d6e-8f90-a1b2c3d4e5f6","keys":{},"revoked":[]}',
        b'{"format":"congress-badge-keys/1","congress":"nope","keys":{},"revoked":[]}',
        b'{"format":"congress-badge-keys/1","congress":"0192f1a4-3b5c-7d6e-8f90-a1b2c3d4e5f6","keys":{"KID":"AA=="},'
        b'"revoked":[]}',
        b'{"format":"congress-badge-keys/1","congress":"0192f1a4-3b5c-7d6e-8f90-a1b2c3d4e5f6","keys":{},"revoked":[],'
        b'"extra":1}',
    ],
)
def test_read_scanner_document_refuses_anything_else(document: bytes) -> None:
    with pytest.raises(BadgeKeyError):
        read_scanner_document(document)


# -- nothing but a genuine token is accepted, and nothing raises -------------------------------------


def test_every_single_bit_flip_of_a_token_is_refused() -> None:
    raw = payload(sign_badge(KEY, CONGRESS, BADGE))
    codes: Counter[BadgeCode] = Counter()
    for bit in range(len(raw) * 8):
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 0x80 >> (bit % 8)
        verdict = verify(encode(bytes(flipped)))
        codes[verdict.code] += 1
    assert sum(codes.values()) == 840
    assert codes[BadgeCode.OK] == 0
    assert codes[BadgeCode.UNSUPPORTED_VERSION] == 8
    assert codes[BadgeCode.WRONG_CONGRESS] == 128
    assert codes[BadgeCode.UNKNOWN_KEY] == 64
    assert codes[BadgeCode.INVALID_SIGNATURE] == 640


def test_every_truncation_and_extension_of_a_token_is_refused() -> None:
    raw = payload(sign_badge(KEY, CONGRESS, BADGE))
    variants = [raw[:n] for n in range(len(raw))] + [raw + bytes(range(n)) for n in range(1, 80)]
    variants += [raw[:n] + raw for n in range(1, 40)]
    codes = Counter(verify(encode(variant)).code for variant in variants)
    assert codes == Counter({BadgeCode.MALFORMED: 104 + 1 + 79 + 39})


@FUZZ
@given(st.text(max_size=400))
def test_fuzz_arbitrary_text_is_refused(text: str) -> None:
    assert_refused(text)


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_arbitrary_bytes_are_refused(data: bytes) -> None:
    assert_refused(data)


@FUZZ
@given(st.binary(max_size=200))
def test_fuzz_arbitrary_payloads_of_any_length_are_refused(raw: bytes) -> None:
    assert_refused(encode(raw))
    assert_refused(encode(b"\x01" + raw))


@FUZZ
@given(st.data())
def test_fuzz_mutated_tokens_are_refused(data: st.DataObject) -> None:
    badge = data.draw(st.uuids())
    raw = bytearray(payload(sign_badge(KEY, CONGRESS, badge)))
    for _ in range(data.draw(st.integers(1, 6))):
        kind = data.draw(st.sampled_from(["flip", "substitute", "truncate", "extend", "insert", "delete"]))
        position = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if kind == "flip" and raw:
            raw[position] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "substitute" and raw:
            raw[position] ^= data.draw(st.integers(1, 255))  # any other byte value
        elif kind == "truncate":
            del raw[position:]
        elif kind == "extend":
            raw.extend(data.draw(st.binary(min_size=1, max_size=64)))
        elif kind == "insert":
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        elif raw:
            del raw[position]
    if bytes(raw) == payload(sign_badge(KEY, CONGRESS, badge)):
        return  # the mutations cancelled out: that is the genuine token
    assert_refused(encode(bytes(raw)))


@FUZZ
@given(st.data())
def test_fuzz_mutated_token_text_is_refused(data: st.DataObject) -> None:
    token = sign_badge(KEY, CONGRESS, data.draw(st.uuids()))
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.text(max_size=3).filter(lambda s: s != token[position]))
    mutated = token[:position] + replacement + token[position + 1 :]
    if mutated.strip(" \t\r\n") == token:
        return  # only whitespace around the token changed
    assert_refused(mutated)


@FUZZ
@given(
    st.uuids(),
    st.uuids(),
    st.integers(0, 255),
    st.booleans(),
    st.binary(min_size=32, max_size=32),
)
def test_fuzz_tokens_signed_by_another_key_are_refused(
    congress: uuid.UUID, badge: uuid.UUID, version: int, claim_known_kid: bool, seed: bytes
) -> None:
    attacker = private_from_bytes(seed)
    kid = bytes.fromhex(KID) if claim_known_kid else None
    token = forge(attacker, version=version, congress=congress, badge=badge, kid=kid)
    if private_to_bytes(attacker) == private_to_bytes(KEY):
        return
    assert_refused(token)
    assert_refused(forge(attacker, version=version, congress=CONGRESS, badge=badge, kid=kid))
