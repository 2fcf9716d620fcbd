"""Short verification codes that a person can type: an HMAC of a record's fields, in Crockford base32.

``verification_code(key, fields)`` is HMAC-SHA256 under the secret ``key`` over the fields, each
NFC-normalised, encoded as UTF-8 and prefixed with its length (4 bytes, big-endian), after a context
string; its first 60 bits are written as 12 Crockford base32 characters in groups of four:
``7KQ2-M9XD-3PFA``. Only the holder of the key can make a code that matches, and any change to
any field gives another code.

``code_matches`` reads what a person typed the way Crockford base32 intends (case, hyphens and
spaces ignored; O read as 0, I and L as 1) and compares with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Iterable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CONTEXT = b"congress/verification-code\x00"  # domain separation: these HMACs mean nothing elsewhere
MIN_KEY_BYTES = 16
GROUPS = 3
GROUP_SIZE = 4
_READ_AS = {"O": "0", "I": "1", "L": "1"}
_IGNORED = frozenset(" -\t")
_MAX_INPUT = 64


def _message(fields: Iterable[str]) -> bytes:
    parts = [CONTEXT]
    for field in fields:
        data = unicodedata.normalize("NFC", field).encode("utf-8")
        parts.append(len(data).to_bytes(4, "big"))
        parts.append(data)
    return b"".join(parts)


def verification_code(key: bytes, fields: Iterable[str], *, groups: int = GROUPS, group_size: int = GROUP_SIZE) -> str:
    """The grouped code for these fields under this key (``groups × group_size`` characters, 5 bits each)."""
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the key must be at least {MIN_KEY_BYTES} bytes")
    length = groups * group_size
    if groups < 1 or group_size < 1 or length * 5 > 256:
        raise ValueError("a code holds 1 to 51 characters")
    digest = int.from_bytes(hmac.new(key, _message(fields), hashlib.sha256).digest(), "big")
    chars = [ALPHABET[(digest >> (256 - 5 * (i + 1))) & 31] for i in range(length)]
    return "-".join("".join(chars[g * group_size : (g + 1) * group_size]) for g in range(groups))


def normalise_code(text: str, *, groups: int = GROUPS, group_size: int = GROUP_SIZE) -> str | None:
    """The code as ``verification_code`` writes it, from what a person typed; None if it cannot be one."""
    if len(text) > _MAX_INPUT:
        return None
    chars = []
    for typed in text:
        if typed in _IGNORED:
            continue
        char = _READ_AS.get(typed.upper(), typed.upper()) if typed.isascii() else ""
        if len(char) != 1 or char not in ALPHABET:
            return None
        chars.append(char)
    if len(chars) != groups * group_size:
        return None
    return "-".join("".join(chars[g * group_size : (g + 1) * group_size]) for g in range(groups))


def code_matches(
    key: bytes, code: str, fields: Iterable[str], *, groups: int = GROUPS, group_size: int = GROUP_SIZE
) -> bool:
    """Whether ``code`` (as typed) is the code of these fields; the comparison takes constant time."""
    expected = verification_code(key, fields, groups=groups, group_size=group_size)
    given = normalise_code(code, groups=groups, group_size=group_size)
    if given is None:
        return False
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii"))
