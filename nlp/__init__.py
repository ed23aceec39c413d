"""Understanding a contact: intent, urgency, hostility, sentiment and entities."""

from nlp.analysis import ENTITY_LABELS, INTENTS, Analysis, Entity
from nlp.model import ModelNotFoundError, NlpModel, analyze, analyze_many, load

__all__ = [
    "ENTITY_LABELS",
    "INTENTS",
    "Analysis",
    "Entity",
    "ModelNotFoundError",
    "NlpModel",
    "analyze",
    "analyze_many",
    "load",
]
