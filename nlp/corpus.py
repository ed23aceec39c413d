"""The labelled corpus (``data/corpus/*.jsonl``) and its fixed train/tune/dev split.

The split depends only on the messages' ids (a stable hash, ranked within each intent, so each
intent gets its share), so the same corpus splits the same way on every machine and run, and
dev messages are never trained on. Training
uses ``fit`` for the classifiers and ``tune`` for early stopping and thresholds; only ``dev``
is reported.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nlp.analysis import INTENTS

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
INDEPENDENT_FILE = Path(__file__).parent / "data" / "independent" / "messages.jsonl"
"""Messages written apart from the corpus, never trained on: the honest test of the model."""
STYLES = ("sms", "email", "speech", "chat")
_CHANNEL_OF_STYLE = {"sms": "sms", "email": "email", "speech": "voice", "chat": "chat"}
DEV_SHARE = 0.2
TUNE_SHARE = 0.15
"""Of the training split: held out from the classifiers for early stopping and thresholds."""


class CorpusError(ValueError):
    """A corpus line is not a valid labelled message."""


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    text: str
    intent: str
    urgent: bool
    hostile: bool
    style: str

    @property
    def channel(self) -> str | None:
        """The gateway channel a message of this style arrives on."""
        return _CHANNEL_OF_STYLE.get(self.style)


def load(paths: Iterable[Path]) -> list[Message]:
    """Messages from JSON-lines files, checked field by field; the first bad line raises."""
    messages = []
    for path in paths:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    messages.append(_parse(line, f"{path}:{number}"))
    return messages


def load_corpus(directory: Path = CORPUS_DIR) -> list[Message]:
    return load(sorted(directory.glob("*.jsonl")))


def _parse(line: str, where: str) -> Message:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise CorpusError(f"{where}: invalid JSON: {error}") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: not a JSON object")
    expected = {"id": str, "text": str, "intent": str, "urgent": bool, "hostile": bool}
    for field, kind in expected.items():
        if not isinstance(data.get(field), kind):
            raise CorpusError(f"{where}: field {field!r} missing or not {kind.__name__}")
    return Message(
        id=data["id"],
        text=data["text"],
        intent=data["intent"],
        urgent=data["urgent"],
        hostile=data["hostile"],
        style=str(data.get("style", "")),
    )


def problems(messages: Sequence[Message]) -> list[str]:
    """Violations of the labelling guidelines that a machine can see, one line each."""
    found = []
    seen: set[str] = set()
    for message in messages:
        if message.id in seen:
            found.append(f"{message.id}: duplicate id")
        seen.add(message.id)
        if message.intent not in INTENTS:
            found.append(f"{message.id}: unknown intent {message.intent!r}")
        if message.style not in STYLES:
            found.append(f"{message.id}: unknown style {message.style!r}")
        if message.intent == "emergency" and not message.urgent:
            found.append(f"{message.id}: emergency not marked urgent")
        if not message.text.strip():
            found.append(f"{message.id}: empty text")
    return found


def _rank_key(salt: str, message: Message) -> str:
    return hashlib.sha256(f"{salt}:{message.id}".encode()).hexdigest()


def _stratified(
    messages: Sequence[Message], share: float, salt: str
) -> tuple[list[Message], list[Message]]:
    """(rest, held out): in each intent, every 1/share-th message in hash order is held out."""
    by_intent: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        by_intent[message.intent].append(message)
    rest: list[Message] = []
    held: list[Message] = []
    for intent in sorted(by_intent):
        ranked = sorted(by_intent[intent], key=lambda m: _rank_key(salt, m))
        for index, message in enumerate(ranked):
            crossed = int((index + 1) * share) > int(index * share)
            (held if crossed else rest).append(message)
    return rest, held


@dataclass(frozen=True, slots=True)
class Split:
    fit: list[Message]
    tune: list[Message]
    dev: list[Message]

    @property
    def train(self) -> list[Message]:
        return self.fit + self.tune


def split(messages: Sequence[Message]) -> Split:
    train, dev = _stratified(messages, DEV_SHARE, "dev")
    fit, tune = _stratified(train, TUNE_SHARE, "tune")
    return Split(fit=fit, tune=tune, dev=dev)
