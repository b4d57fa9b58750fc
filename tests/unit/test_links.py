"""Signed link tokens: ours verify for their purpose only; anything altered does not."""

from __future__ import annotations

import pytest

from domain.services.links import link_hash, new_link_token, signed


def test_a_token_verifies_for_its_purpose_only():
    token = new_link_token("inv")
    assert signed(token, "inv")
    assert not signed(token, "rcp")
    assert new_link_token("inv") != token  # random
    assert link_hash(token) != token and len(link_hash(token)) == 64


@pytest.mark.parametrize("change", [
    lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),  # signature
    lambda t: t.replace(".", ".x", 1),  # nonce
    lambda t: "rcp" + t[3:],  # purpose
    lambda t: t + ".extra",
    lambda t: "",
    lambda t: "inv." + "é" * 10 + ".00",
    lambda t: "inv." + "a" * 250 + ".00",
])
def test_an_altered_token_does_not_verify(change):
    assert not signed(change(new_link_token("inv")), "inv")
