"""API keys: ``cvk_<prefix>_<secret>``; only the prefix and a digest are stored."""

from __future__ import annotations

import re

import pytest

from conveyor.clients.keys import (
    KEY_MARK,
    PREFIX_LENGTH,
    digest_matches,
    generate_key,
    key_digest,
    parse_prefix,
)


def test_a_new_key_has_the_documented_shape() -> None:
    new = generate_key()

    assert re.fullmatch(rf"{KEY_MARK}_[0-9a-f]{{{PREFIX_LENGTH}}}_[A-Za-z0-9_-]{{43}}", new.key)
    assert new.key.startswith(f"{KEY_MARK}_{new.prefix}_")
    assert new.digest == key_digest(new.key)
    assert re.fullmatch(r"[0-9a-f]{64}", new.digest)
    assert new.key not in new.digest


def test_keys_are_unique() -> None:
    keys = [generate_key() for _ in range(200)]

    assert len({k.key for k in keys}) == 200
    assert len({k.prefix for k in keys}) == 200


def test_parse_prefix_finds_the_prefix_of_a_generated_key() -> None:
    for _ in range(50):  # secrets may contain "_" and "-"
        new = generate_key()
        assert parse_prefix(new.key) == new.prefix


def test_a_secret_with_underscores_keeps_the_prefix() -> None:
    assert parse_prefix("cvk_abcdef012345_a_b_c") == "abcdef012345"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "cvk",
        "cvk_abcdef012345",
        "xyz_abcdef012345_secret",
        "CVK_abcdef012345_secret",
        "cvk_abc_secret",
        "cvk_abcdef0123456_secret",
        "abcdef012345",
        "Bearer cvk_x_y",
    ],
)
def test_a_malformed_key_has_no_prefix(key: str) -> None:
    assert parse_prefix(key) is None


def test_only_the_same_key_matches_its_digest() -> None:
    new = generate_key()
    other = generate_key()

    assert digest_matches(new.key, new.digest)
    assert not digest_matches(other.key, new.digest)
    assert not digest_matches(new.key + "x", new.digest)
    assert not digest_matches(new.key, "")
