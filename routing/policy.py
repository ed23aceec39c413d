"""Routing policy as one frozen value: targets, timeouts, the intent-to-skill map, dispatch bounds.

Every replica must run with the same policy; it travels into each Lua call as JSON, so Redis
holds no configuration that could disagree with the code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from routing.model import Queue, Skill

SKILL_FOR_INTENT: Mapping[str, Skill] = MappingProxyType(
    {
        "billing_dispute": Skill.BILLING,
        "payment": Skill.PAYMENTS,
        "outage_report": Skill.OUTAGES,
        # An emergency is also flagged urgent by the NLP and then waits in the urgent queue; the
        # skill only matters if a lead transfers it back to a skill queue.
        "emergency": Skill.OUTAGES,
        "start_stop_service": Skill.SERVICE_ORDERS,
        "meter_issue": Skill.METERS,
        # Address, name and mailing changes are handled by the service-order desk.
        "account_update": Skill.SERVICE_ORDERS,
        "permit_license": Skill.PERMITS,
        "damage_claim": Skill.CLAIMS,
        "service_complaint": Skill.GENERAL,
        "general_inquiry": Skill.GENERAL,
    }
)

# Answer targets in seconds: the time by which a contact should have been offered to somebody.
# Urgent and hostile targets come from the product's priority policy; skill-queue targets rank
# the queues against each other (a nearer target is served first) and trigger breach events.
DEFAULT_TARGETS: Mapping[Queue, float] = MappingProxyType(
    {
        Queue.URGENT: 15.0,
        Queue.HOSTILE: 60.0,
        Queue.OUTAGES: 60.0,
        Queue.PAYMENTS: 120.0,
        Queue.BILLING: 180.0,
        Queue.SERVICE_ORDERS: 300.0,
        Queue.METERS: 300.0,
        Queue.CLAIMS: 600.0,
        Queue.PERMITS: 600.0,
        Queue.GENERAL: 600.0,
    }
)


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """Targets, timeouts and bounds, in seconds unless stated.

    `reoffer_cooldown`: how long an agent who declined or let an offer time out is passed over
    for that same contact. `overflow_factor`: a skill-queue contact still waiting after this many
    times its target may be offered to any available agent. `escalation_target`: how long an
    escalated contact waits for a lead before seniors may take it too. `max_offers_per_call`,
    `lane_scan` and `agent_scan` bound the work of one Lua call, since Redis runs nothing else
    meanwhile. `key_prefix` becomes the Redis Cluster hash tag of every key.
    """

    offer_timeout: float = 20.0
    reoffer_cooldown: float = 60.0
    escalation_target: float = 60.0
    overflow_factor: float = 3.0
    targets: Mapping[Queue, float] = field(default_factory=lambda: DEFAULT_TARGETS)
    skill_for_intent: Mapping[str, Skill] = field(default_factory=lambda: SKILL_FOR_INTENT)
    max_offers_per_call: int = 64
    lane_scan: int = 8
    agent_scan: int = 16
    tick_batch: int = 200
    key_prefix: str = "routing"

    def __post_init__(self) -> None:
        missing = set(Queue) - set(self.targets)
        if missing:
            raise ValueError(f"no target for queues {sorted(missing)}")
        durations = [self.offer_timeout, self.reoffer_cooldown, self.escalation_target]
        if min([*durations, *self.targets.values()]) <= 0:
            raise ValueError("targets and timeouts must be positive")
        if self.overflow_factor < 1:
            raise ValueError("overflow_factor must be at least 1")
        if min(self.max_offers_per_call, self.lane_scan, self.agent_scan, self.tick_batch) < 1:
            raise ValueError("dispatch bounds must be at least 1")

    def skill_for(self, intent: str) -> Skill:
        """Unknown intents go to the general queue rather than nowhere."""
        return self.skill_for_intent.get(intent, Skill.GENERAL)

    def target(self, queue: Queue) -> float:
        return self.targets[queue]

    def to_lua(self) -> str:
        return json.dumps(
            {
                "offer_timeout": self.offer_timeout,
                "reoffer_cooldown": self.reoffer_cooldown,
                "escalation_target": self.escalation_target,
                "overflow_factor": self.overflow_factor,
                "targets": {queue.value: seconds for queue, seconds in self.targets.items()},
                "max_offers": self.max_offers_per_call,
                "lane_scan": self.lane_scan,
                "agent_scan": self.agent_scan,
                "tick_batch": self.tick_batch,
            },
            sort_keys=True,
        )
