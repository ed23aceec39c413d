"""The last pipeline step: turning scores and rule findings into one :class:`Analysis`.

Thresholds and the hostility combination are fitted by training on held-out messages; they are
stored with the model so that a model directory always carries the decisions it was tuned for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from nlp.analysis import INTENTS, Analysis
from nlp.findings import Findings, findings
from nlp.hostility import HostilityModel, features

FALLBACK_INTENT = "general_inquiry"
URGENT = "urgent"
HOSTILE = "hostile"
HOSTILE_SENTIMENT_CEILING = -0.5
"""VADER reads sarcasm ("thanks a lot, geniuses") as positive; a hostile contact never is."""

_FILE = "calibration.json"


@dataclass(frozen=True, slots=True)
class Calibration:
    intent_threshold: float
    """Below this top intent score the intent is reported as :data:`FALLBACK_INTENT`."""
    urgent_threshold: float
    hostility: HostilityModel

    def to_json(self) -> dict[str, Any]:
        return {
            "intent_threshold": self.intent_threshold,
            "urgent_threshold": self.urgent_threshold,
            "hostility": {
                "weights": list(self.hostility.weights),
                "threshold": self.hostility.threshold,
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        hostility = data["hostility"]
        return cls(
            intent_threshold=float(data["intent_threshold"]),
            urgent_threshold=float(data["urgent_threshold"]),
            hostility=HostilityModel(
                tuple(float(w) for w in hostility["weights"]), float(hostility["threshold"])
            ),
        )


def decide(doc: Doc, found: Findings, calibration: Calibration) -> Analysis:
    """Combine the classifiers' scores with the rules' ``found`` for one document."""
    entities = found.entities
    hazard = found.hazard
    if found.source.is_empty:
        return Analysis(FALLBACK_INTENT, 0.0, False, False, 0.0, entities)
    cats = doc.cats
    top = max(INTENTS, key=lambda label: cats[label])
    intent, confidence = top, cats[top]
    if hazard is not None:
        intent, confidence = "emergency", 1.0
    elif confidence < calibration.intent_threshold:
        intent = FALLBACK_INTENT
    urgent = (
        hazard is not None
        or found.urgency is not None
        or top == "emergency"
        or cats[URGENT] >= calibration.urgent_threshold
    )
    sentiment = float(doc.sentiment)
    hostile = (
        calibration.hostility.probability(features(found.cues, cats[HOSTILE], sentiment))
        >= calibration.hostility.threshold
    )
    if hostile:
        sentiment = min(sentiment, HOSTILE_SENTIMENT_CEILING)
    return Analysis(intent, round(confidence, 4), urgent, hostile, round(sentiment, 4), entities)


@Language.factory("utility_decision")
def make_decision(nlp: Language, name: str) -> Decision:
    return Decision()


class Decision:
    """Pipeline component: sets the findings' ``analysis``; its calibration is saved with the
    model."""

    def __init__(self) -> None:
        self.calibration: Calibration | None = None

    def __call__(self, doc: Doc) -> Doc:
        if self.calibration is None:
            raise RuntimeError("the decision step has no calibration: build the model with train")
        found = findings(doc)
        found.analysis = decide(doc, found, self.calibration)
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.calibration is None:
            raise RuntimeError("cannot save a decision step without calibration")
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / _FILE).write_text(json.dumps(self.calibration.to_json(), indent=2) + "\n")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Decision:
        self.calibration = Calibration.from_json(json.loads((Path(path) / _FILE).read_text()))
        return self
