"""Webhook signatures (HMAC-SHA256 of `t.body`, replays refused) and address checks."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

import pytest

from api.graphql.ids import global_id as api_global_id
from domain.events import global_id
from domain.webhooks.addresses import refusal
from domain.webhooks.signing import new_secret, signature, verify

BODY = b'{"id":"e1","type":"POST_PUBLISHED"}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    header = signature("whsec_x", BODY, timestamp=1_700_000_000)
    expected = hmac.new(b"whsec_x", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_verify_accepts_a_fresh_signature_and_refuses_the_rest():
    header = signature("whsec_x", BODY, timestamp=1_700_000_000)
    assert verify(header, "whsec_x", BODY, now=1_700_000_100)
    assert not verify(header, "whsec_y", BODY, now=1_700_000_100)  # another secret
    assert not verify(header, "whsec_x", BODY + b" ", now=1_700_000_100)  # another body
    assert not verify(header, "whsec_x", BODY, now=1_700_000_301)  # a replay, 5 min later
    assert not verify("v1=abc", "whsec_x", BODY, now=1_700_000_000)
    assert not verify("t=soon,v1=abc", "whsec_x", BODY, now=1_700_000_000)


def test_secrets_are_fresh():
    assert new_secret() != new_secret()
    assert new_secret().startswith("whsec_")


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.0.0.1", "private"),
    ("192.168.1.1", "private"), ("172.16.0.1", "private"), ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"), ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"),
    ("::ffff:10.0.0.1", "private"), ("100.64.0.1", "not public"), ("fc00::1", "private"),
    ("1.1.1.1", None), ("2606:4700:4700::1111", None),
])
def test_only_public_addresses_pass(address, reason):
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(("type_name", "pk"), [("Post", 1), ("Brand", 2_147_483_647)])
def test_webhooks_spell_global_ids_as_the_api_does(type_name, pk):
    assert global_id(type_name, pk) == str(api_global_id(type_name, pk))
