"""The result type of :func:`nlp.analyze`: what the gateway and the NLP CLI agree on."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

INTENTS: tuple[str, ...] = (
    "billing_dispute",
    "payment",
    "outage_report",
    "emergency",
    "start_stop_service",
    "meter_issue",
    "account_update",
    "permit_license",
    "damage_claim",
    "service_complaint",
    "general_inquiry",
)

ENTITY_LABELS: tuple[str, ...] = (
    "ACCOUNT_NUMBER",
    "ADDRESS",
    "PHONE",
    "AMOUNT",
    "DATE",
    "METER_NUMBER",
    "PERMIT_REF",
)


@dataclass(frozen=True, slots=True)
class Entity:
    label: str
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Analysis:
    intent: str
    intent_confidence: float
    urgent: bool
    hostile: bool
    sentiment: float
    entities: tuple[Entity, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"entities": [asdict(e) for e in self.entities]}

    def first(self, label: str) -> str | None:
        """The first extracted entity with this label: the one intake asks the customer to
        confirm."""
        return next((e.text for e in self.entities if e.label == label), None)
