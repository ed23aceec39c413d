"""What the pipeline found in one message, kept in one object in its Doc's ``user_data``.

Components read and write a message's findings here rather than in ``doc._`` extensions:
every ``doc._`` access builds an accessor object and looks the value up in the doc's user data
through several layers, a few microseconds each, and a message went through some fifty of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spacy.tokens import Doc

from nlp.analysis import Analysis, Entity
from nlp.text import Prepared

if TYPE_CHECKING:
    from nlp.hostility import Cues

_KEY = "utility.findings"


@dataclass(slots=True)
class Findings:
    source: Prepared
    """The message's text views; the doc's own text is their classifier view."""
    hazard: str | None = None
    urgency: str | None = None
    cues: Cues | None = None
    entities: tuple[Entity, ...] = ()
    features: dict[Any, Any] = field(default_factory=dict)
    """Classifier inputs, computed once per message (:mod:`nlp.features`)."""
    analysis: Analysis | None = None


def attach(doc: Doc, prepared: Prepared) -> Doc:
    doc.user_data[_KEY] = Findings(prepared)
    return doc


def findings(doc: Doc) -> Findings:
    """The findings of a doc made by :func:`nlp.pipeline.make_doc`."""
    found = find(doc)
    if found is None:
        raise ValueError("this doc has no findings: make it with nlp.pipeline.make_doc")
    return found


def find(doc: Doc) -> Findings | None:
    """The doc's findings, or None for a doc that was not made by ``make_doc``."""
    found: Findings | None = doc.user_data.get(_KEY)
    return found
