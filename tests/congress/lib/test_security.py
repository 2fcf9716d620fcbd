from __future__ import annotations

from congress.lib.security import CGR_PREFIX, digest_matches, hash_token, looks_like_token, new_token


def test_new_token_carries_at_least_128_random_bits() -> None:
    token = new_token()
    assert token.startswith(CGR_PREFIX)
    # 32 random bytes in URL-safe base64: 43 characters, 256 bits.
    assert len(token) - len(CGR_PREFIX) == 43


def test_new_tokens_differ() -> None:
    assert len({new_token() for _ in range(1000)}) == 1000


def test_digest_matches_only_the_same_token() -> None:
    token = new_token()
    digest = hash_token(token)
    assert digest_matches(digest, token)
    assert not digest_matches(digest, token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_digest_is_not_the_token() -> None:
    token = new_token()
    assert token not in hash_token(token)
    assert len(hash_token(token)) == 64


def test_looks_like_token_refuses_foreign_strings() -> None:
    assert looks_like_token(new_token())
    assert not looks_like_token("Bearer")
    assert not looks_like_token("cgr_short")
    assert not looks_like_token("x" * 50)
