"""The client's address behind a reverse proxy: X-Forwarded-For is believed only from trusted
proxies, and only as far as the last hop they vouch for."""

from __future__ import annotations

import pytest

from gateway.forwarded import client_address, parse_networks
from gateway.settings import ConfigError, Settings

PROXIES = parse_networks(["10.0.0.0/8", "127.0.0.1"])


def test_without_a_trusted_proxy_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert client_address("203.0.113.7", "198.51.100.1", PROXIES) == "203.0.113.7"
    assert client_address("203.0.113.7", "198.51.100.1", ()) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_client_is_the_last_hop_it_did_not_add_itself() -> None:
    assert client_address("10.0.0.5", "198.51.100.1", PROXIES) == "198.51.100.1"
    assert client_address("10.0.0.5", "198.51.100.1, 10.1.2.3", PROXIES) == "198.51.100.1"


def test_addresses_a_client_forged_left_of_the_proxys_entry_are_not_believed() -> None:
    forged = "192.0.2.1, 192.0.2.2, 203.0.113.7"
    assert client_address("10.0.0.5", forged, PROXIES) == "203.0.113.7"


def test_a_header_naming_only_proxies_leaves_the_peer() -> None:
    assert client_address("10.0.0.5", "10.9.9.9, ", PROXIES) == "10.0.0.5"


def test_trusted_proxies_and_chat_limits_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1",
            "CHAT_SESSIONS_PER_ADDRESS": "4/300",
            "CHAT_MESSAGES_OVERALL": "100/1.5",
        }
    )

    assert settings.trusted_proxies == PROXIES
    assert (
        settings.chat_limits.sessions_per_address.count,
        settings.chat_limits.sessions_per_address.window,
    ) == (4, 300.0)
    assert settings.chat_limits.messages_overall.window == 1.5
    assert settings.chat_limits.sessions_overall == Settings().chat_limits.sessions_overall


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"),
        ("CHAT_SESSIONS_PER_ADDRESS", "10"),
        ("CHAT_SESSIONS_OVERALL", "0/60"),
        ("CHAT_MESSAGES_PER_ADDRESS", "5/0"),
    ],
)
def test_a_malformed_proxy_list_or_limit_stops_start_up_naming_the_variable(
    variable: str, value: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({variable: value})
    assert refused.value.variable == variable
