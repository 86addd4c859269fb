"""Webhook targets: only public addresses, literal or resolved (``localhost`` and literal IPs
only here, so nothing goes to the network)."""

from __future__ import annotations

import pytest

from app.webhook_targets import PrivateAddressError, check_target, refusal


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address"),
        ("http://127.8.9.10/", "127.8.9.10 is a loopback address"),
        ("http://localhost:8000/hook", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
        ("http://2130706433/", "2130706433 resolves to 127.0.0.1, a loopback address"),
        ("https://10.20.30.40/hook", "10.20.30.40 is a private address"),
        ("https://172.16.0.1/", "172.16.0.1 is a private address"),
        ("https://172.31.255.254/", "172.31.255.254 is a private address"),
        ("https://192.168.1.20/", "192.168.1.20 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("https://[fe80::1]/", "fe80::1 is a link-local address"),
        ("https://[fc00::1]/", "fc00::1 is a private address"),
        ("https://[fd12:3456::1]/", "fd12:3456::1 is a private address"),
        ("http://0.0.0.0:8000/", "0.0.0.0 is an unspecified address"),
        ("http://[::]/", ":: is an unspecified address"),
        ("http://100.64.0.1/", "100.64.0.1 is a non-public address"),  # carrier-grade NAT
    ],
)
def test_loopback_private_and_link_local_addresses_are_refused(url: str, reason: str) -> None:
    assert refusal(url) == reason
    with pytest.raises(PrivateAddressError) as refused:
        check_target(url)
    assert str(refused.value) == (
        f"'{url}' is refused: {reason}; "
        "webhooks go only to public addresses unless VIDPAY_ALLOW_PRIVATE_WEBHOOKS=true"
    )


@pytest.mark.parametrize(
    "url",
    ["https://93.184.215.14/hook", "http://172.32.0.1/", "https://[2001:4860:4860::8888]/hook"],
)
def test_public_addresses_are_allowed(url: str) -> None:
    assert refusal(url) is None
    check_target(url)
