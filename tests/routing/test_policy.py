"""The routing policy value and the intent-to-skill map the gateway relies on."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from nlp.analysis import INTENTS
from routing import DEFAULT_TARGETS, Queue, RoutingPolicy, Skill


def test_every_intent_the_nlp_can_produce_has_a_skill() -> None:
    policy = RoutingPolicy()
    assert set(INTENTS) == set(policy.skill_for_intent)
    assert policy.skill_for("emergency") == Skill.OUTAGES


def test_an_intent_routing_does_not_know_goes_to_the_general_queue() -> None:
    assert RoutingPolicy().skill_for("alien_abduction") == Skill.GENERAL


def test_urgent_and_hostile_targets_are_those_of_the_priority_policy() -> None:
    policy = RoutingPolicy()
    assert (policy.target(Queue.URGENT), policy.target(Queue.HOSTILE)) == (15, 60)
    assert policy.offer_timeout == 20


def test_a_policy_missing_a_queue_target_is_refused() -> None:
    targets = {q: t for q, t in DEFAULT_TARGETS.items() if q != Queue.PERMITS}
    with pytest.raises(ValueError, match="permits"):
        RoutingPolicy(targets=MappingProxyType(targets))


def test_a_policy_is_a_frozen_value() -> None:
    policy = RoutingPolicy(offer_timeout=30)
    with pytest.raises(AttributeError):
        policy.offer_timeout = 10  # type: ignore[misc]
