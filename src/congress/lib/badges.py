"""Signed badge tokens: what a badge's QR code says, and how a door scanner checks it offline.

A token is ``CB:`` followed by 168 characters of RFC 4648 base32 (upper case, no padding), which is
105 bytes::

    offset  size  field
         0     1  version (1)
         1    16  congress id (UUID, big-endian bytes as ``uuid.UUID.bytes``)
        17    16  badge id (UUID)
        33     8  key id: the first 8 bytes of SHA-256 over the raw 32-byte Ed25519 public key
        41    64  Ed25519 signature over CONTEXT + bytes 0..40

Every character is in the QR alphanumeric set, so the code is a version 9 symbol at error correction
level Q. The token carries ids only: no name, no e-mail address, nothing about the person.

Keys rotate: a congress has one signing key at a time and any number of older public keys that still
verify until they are retired; a badge names its key by key id. Cancelled or reissued badges go on a
revocation list that the application keeps; ``verify_badge`` takes it as any container of badge ids.

``verify_badge`` never raises on its input and accepts nothing that a known key did not sign.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import re
import uuid
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

PREFIX = "CB:"
VERSION = 1
CONTEXT = b"congress/badge-token\x00"  # domain separation: these signatures mean nothing elsewhere
KID_BYTES = 8
SIGNATURE_BYTES = 64
KEY_BYTES = 32
PAYLOAD_BYTES = 1 + 16 + 16 + KID_BYTES + SIGNATURE_BYTES  # 105
TOKEN_LENGTH = len(PREFIX) + PAYLOAD_BYTES * 8 // 5  # 171; 105 bytes are 168 base32 characters exactly
SCANNER_FORMAT = "congress-badge-keys/1"

_BASE32 = re.compile(r"[A-Z2-7]+")
_KID = re.compile(r"[0-9a-f]{16}")
_MAX_INPUT = 4 * TOKEN_LENGTH  # anything longer is refused before any decoding
_WHITESPACE = " \t\r\n"  # what a scanner may add around the text (a keyboard wedge's Enter)


class BadgeCode(enum.StrEnum):
    """The outcome of checking a badge token, as a machine code."""

    OK = "ok"
    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_KEY = "unknown_key"
    INVALID_SIGNATURE = "invalid_signature"
    WRONG_CONGRESS = "wrong_congress"
    REVOKED = "revoked"


class BadgeError(ValueError):
    """A token that cannot be read (``code`` is ``malformed`` or ``unsupported_version``)."""

    def __init__(self, code: BadgeCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class BadgeKeyError(ValueError):
    """A key, key id or scanner document that is not what it claims to be."""


@dataclass(frozen=True, slots=True)
class BadgeToken:
    """The fields of a token, read but not yet verified."""

    version: int
    congress_id: uuid.UUID
    badge_id: uuid.UUID
    kid: str
    signature: bytes

    @property
    def signed_part(self) -> bytes:
        """The payload bytes the signature covers (without CONTEXT)."""
        return _body(self.version, self.congress_id, self.badge_id, bytes.fromhex(self.kid))


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a door scanner shows: a code, and the badge id when its signature was verified."""

    code: BadgeCode
    badge_id: uuid.UUID | None = None
    kid: str | None = None

    @property
    def accepted(self) -> bool:
        return self.code is BadgeCode.OK


class BadgeKeyPair(NamedTuple):
    private_key: Ed25519PrivateKey
    public_key: Ed25519PublicKey
    kid: str


# -- keys -------------------------------------------------------------------------------------------


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key id: 16 lower-case hex digits (8 bytes of SHA-256 over the raw public key)."""
    return hashlib.sha256(public_to_bytes(public_key)).digest()[:KID_BYTES].hex()


def generate_key() -> BadgeKeyPair:
    """A new signing key for a congress, its public key and its key id."""
    private_key = Ed25519PrivateKey.generate()
    public_key = private_key.public_key()
    return BadgeKeyPair(private_key, public_key, key_id(public_key))


def private_to_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte private key (a secret: store it encrypted)."""
    return private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def private_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    if len(raw) != KEY_BYTES:
        raise BadgeKeyError(f"an Ed25519 private key has {KEY_BYTES} bytes, not {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(bytes(raw))


def public_to_bytes(public_key: Ed25519PublicKey) -> bytes:
    """The raw 32-byte public key."""
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_from_bytes(raw: bytes) -> Ed25519PublicKey:
    if len(raw) != KEY_BYTES:
        raise BadgeKeyError(f"an Ed25519 public key has {KEY_BYTES} bytes, not {len(raw)}")
    try:
        return Ed25519PublicKey.from_public_bytes(bytes(raw))
    except ValueError as exc:  # not a point on the curve
        raise BadgeKeyError(f"not an Ed25519 public key: {exc}") from None


def keyring(public_keys: Iterable[Ed25519PublicKey]) -> dict[str, Ed25519PublicKey]:
    """Public keys by key id, as ``verify_badge`` takes them."""
    return {key_id(key): key for key in public_keys}


def export_public_keys(public_keys: Iterable[Ed25519PublicKey]) -> dict[str, str]:
    """Key id → standard base64 of the raw public key, sorted by key id."""
    ring = keyring(public_keys)
    return {kid: base64.b64encode(public_to_bytes(ring[kid])).decode("ascii") for kid in sorted(ring)}


def load_public_keys(exported: Mapping[str, str]) -> dict[str, Ed25519PublicKey]:
    """The inverse of ``export_public_keys``; every key id is checked against its key."""
    ring: dict[str, Ed25519PublicKey] = {}
    for kid, encoded in exported.items():
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise BadgeKeyError(f"key {kid!r} is not base64") from None
        key = public_from_bytes(raw)
        if key_id(key) != kid:
            raise BadgeKeyError(f"key id {kid!r} does not belong to its key (that key's id is {key_id(key)})")
        ring[kid] = key
    return ring


# -- tokens -----------------------------------------------------------------------------------------


def _body(version: int, congress_id: uuid.UUID, badge_id: uuid.UUID, kid: bytes) -> bytes:
    return bytes((version,)) + congress_id.bytes + badge_id.bytes + kid


def sign_badge(private_key: Ed25519PrivateKey, congress_id: uuid.UUID, badge_id: uuid.UUID) -> str:
    """The token for one badge. Ed25519 is deterministic: the same key and ids give the same token."""
    kid = hashlib.sha256(public_to_bytes(private_key.public_key())).digest()[:KID_BYTES]
    body = _body(VERSION, congress_id, badge_id, kid)
    payload = body + private_key.sign(CONTEXT + body)
    return PREFIX + base64.b32encode(payload).decode("ascii")


def _text(value: object) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes | bytearray | memoryview):
        if len(value) > _MAX_INPUT:
            raise BadgeError(BadgeCode.MALFORMED, "too long for a badge token")
        try:
            text = bytes(value).decode("ascii")
        except UnicodeDecodeError:
            raise BadgeError(BadgeCode.MALFORMED, "not ASCII text") from None
    else:
        raise BadgeError(BadgeCode.MALFORMED, f"a badge token is text, not {type(value).__name__}")
    if len(text) > _MAX_INPUT:
        raise BadgeError(BadgeCode.MALFORMED, "too long for a badge token")
    return text.strip(_WHITESPACE)


def parse_badge(text: object) -> BadgeToken:
    """The fields of a token (str, or ASCII bytes), unverified; raises ``BadgeError`` when unreadable."""
    stripped = _text(text)
    if not stripped.startswith(PREFIX):
        raise BadgeError(BadgeCode.MALFORMED, f"a badge token starts with {PREFIX}")
    encoded = stripped[len(PREFIX) :]
    if _BASE32.fullmatch(encoded) is None:
        raise BadgeError(BadgeCode.MALFORMED, "a badge token is base32 (A-Z, 2-7) after its prefix")
    if len(encoded) < 2:
        raise BadgeError(BadgeCode.MALFORMED, "too short for a badge token")
    # The first two characters hold the version byte (and two bits of the next one).
    version = base64.b32decode(encoded[:8].ljust(8, "A"))[0]
    if version != VERSION:
        raise BadgeError(BadgeCode.UNSUPPORTED_VERSION, f"badge token version {version} is not supported")
    if len(encoded) != TOKEN_LENGTH - len(PREFIX):
        raise BadgeError(BadgeCode.MALFORMED, "a version 1 badge token has 168 characters after its prefix")
    payload = base64.b32decode(encoded)
    return BadgeToken(
        version=payload[0],
        congress_id=uuid.UUID(bytes=payload[1:17]),
        badge_id=uuid.UUID(bytes=payload[17:33]),
        kid=payload[33 : 33 + KID_BYTES].hex(),
        signature=payload[33 + KID_BYTES :],
    )


def verify_badge(
    text: object,
    keys: Mapping[str, Ed25519PublicKey],
    congress_id: uuid.UUID,
    revoked: Container[uuid.UUID],
) -> Verdict:
    """The full door check of one scanned text; never raises on the text, whatever it is.

    In order: readable (``malformed``, ``unsupported_version``), for this congress (``wrong_congress``:
    what the badge claims, before any signature, so that staff learn which congress it is for), signed by
    a key in ``keys`` (``unknown_key``, ``invalid_signature``), not on the revocation list (``revoked``).
    ``revoked`` is any container of badge ids (a set, a frozenset, a database-backed lookup);
    pass ``()`` to leave revocation to the caller, who then looks up ``Verdict.badge_id``.
    """
    try:
        token = parse_badge(text)
    except BadgeError as exc:
        return Verdict(exc.code)
    if token.congress_id != congress_id:
        return Verdict(BadgeCode.WRONG_CONGRESS)
    key = keys.get(token.kid)
    if key is None:
        return Verdict(BadgeCode.UNKNOWN_KEY, kid=token.kid)
    try:
        key.verify(token.signature, CONTEXT + token.signed_part)
    except InvalidSignature:
        return Verdict(BadgeCode.INVALID_SIGNATURE, kid=token.kid)
    if token.badge_id in revoked:
        return Verdict(BadgeCode.REVOKED, token.badge_id, token.kid)
    return Verdict(BadgeCode.OK, token.badge_id, token.kid)


# -- what an offline scanner loads -------------------------------------------------------------------


class _ScannerDocument(msgspec.Struct, forbid_unknown_fields=True):
    format: str
    congress: uuid.UUID
    keys: dict[str, str]
    revoked: list[uuid.UUID]


@dataclass(frozen=True, slots=True)
class ScannerConfig:
    """Everything a door scanner needs to check badges without a network: keys and revocations."""

    congress_id: uuid.UUID
    keys: Mapping[str, Ed25519PublicKey]
    revoked: frozenset[uuid.UUID]

    def verify(self, text: object) -> Verdict:
        return verify_badge(text, self.keys, self.congress_id, self.revoked)


def scanner_document(
    congress_id: uuid.UUID, public_keys: Iterable[Ed25519PublicKey], revoked: Iterable[uuid.UUID] = ()
) -> bytes:
    """JSON for offline scanners; the same input gives the same bytes (keys and ids sorted)::

    {"format": "congress-badge-keys/1", "congress": "<uuid>",
     "keys": {"<kid>": "<base64 raw public key>", ...}, "revoked": ["<uuid>", ...]}
    """
    document = _ScannerDocument(
        format=SCANNER_FORMAT,
        congress=congress_id,
        keys=export_public_keys(public_keys),
        revoked=sorted(set(revoked)),
    )
    return msgspec.json.encode(document)


def read_scanner_document(data: bytes | str) -> ScannerConfig:
    """The inverse of ``scanner_document``; raises ``BadgeKeyError`` on anything else."""
    try:
        document = msgspec.json.decode(data, type=_ScannerDocument)
    except msgspec.DecodeError as exc:
        raise BadgeKeyError(f"not a badge scanner document: {exc}") from None
    if document.format != SCANNER_FORMAT:
        raise BadgeKeyError(f"unsupported scanner document format {document.format!r}")
    for kid in document.keys:
        if _KID.fullmatch(kid) is None:
            raise BadgeKeyError(f"{kid!r} is not a key id (16 lower-case hex digits)")
    return ScannerConfig(document.congress, load_public_keys(document.keys), frozenset(document.revoked))
