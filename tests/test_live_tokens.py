"""Guide links: signed with the app's key, expiring, revocable by generation."""

from __future__ import annotations

import pytest

from tourapp.live import tokens

KEY = "a-test-key-long-enough-for-signing"


def test_a_fresh_token_names_its_guide():
    guide = tokens.check(KEY, tokens.make(KEY, "Marie", 8, 0), 0)
    assert guide.name == "Marie" and guide.generation == 0 and guide.id


def test_each_link_has_its_own_id_for_rate_limiting():
    a, b = (tokens.check(KEY, tokens.make(KEY, "Marie", 8, 0), 0) for _ in range(2))
    assert a.id != b.id


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),   # signature changed
    lambda t: tokens.make("another-key-entirely-0123456789", "Marie", 8, 0),  # other key
    lambda t: "",
    lambda t: "x" * 2000,
    lambda t: "not.a.token",
])
def test_forged_tokens_are_401(tamper):
    token = tamper(tokens.make(KEY, "Marie", 8, 0))
    with pytest.raises(tokens.TokenError) as error:
        tokens.check(KEY, token, 0)
    assert error.value.status == 401


def test_expired_token_is_401():
    token = tokens.make(KEY, "Marie", 0.5, 0)
    guide = tokens.check(KEY, token, 0)
    with pytest.raises(tokens.TokenError) as error:
        tokens.check(KEY, token, 0, now=guide.expires_s + 1)
    assert (error.value.status, error.value.reason) == (401, "expired token")


def test_revoked_token_is_403():
    token = tokens.make(KEY, "Marie", 8, 0)
    with pytest.raises(tokens.TokenError) as error:
        tokens.check(KEY, token, 1)
    assert error.value.status == 403


@pytest.mark.parametrize("hours", [0, -1, tokens.MAX_HOURS + 1])
def test_lifetime_is_bounded(hours):
    with pytest.raises(ValueError):
        tokens.make(KEY, "Marie", hours, 0)


def test_a_link_that_names_no_walk_is_refused_with_advice():
    """Links made before tokens named their walk: refused, the guide asks for a new one."""
    old = tokens.make(KEY, "Marie", 8, 0)  # no audience, as before issue 21
    with pytest.raises(tokens.TokenError) as error:
        tokens.check(KEY, old, 0, audience="walk-a")
    assert error.value.status == 401 and "ask the organiser for a new one" in error.value.reason
    assert tokens.check(KEY, tokens.make(KEY, "Marie", 8, 0, audience="walk-a"), 0,
                        audience="walk-a").name == "Marie"
    with pytest.raises(tokens.TokenError, match="another walk"):
        tokens.check(KEY, tokens.make(KEY, "Marie", 8, 0, audience="walk-b"), 0,
                     audience="walk-a")
