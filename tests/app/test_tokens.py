from __future__ import annotations

from app.tokens import looks_like_token, new_salt, token_for, token_hash


def test_tokens_are_192_bits_derived_from_secret_and_salt() -> None:
    salt = new_salt()
    token = token_for(b"secret", salt)
    assert looks_like_token(token) and len(token) == 32
    assert token == token_for(b"secret", salt)
    assert token != token_for(b"other secret", salt)
    assert token != token_for(b"secret", new_salt())
    assert len(new_salt()) == 32 and new_salt() != new_salt()


def test_only_the_hash_identifies_a_token() -> None:
    token = token_for(b"secret", new_salt())
    assert token_hash(token) != token and len(token_hash(token)) == 64
    assert (
        not looks_like_token(token[:-1])
        and not looks_like_token(token + "=")
        and not looks_like_token("../x")
    )
