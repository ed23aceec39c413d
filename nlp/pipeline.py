"""The spaCy pipeline: its components, its configuration callbacks, and doc creation.

Documents are made from the prepared classifier view, with the whole :class:`Prepared` attached
in the doc's findings (:mod:`nlp.findings`), so rule components can read the other views and map
what they find back to the original text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab
from thinc.api import Config

# Imported for their side effect: each registers its pipeline component factory.
from nlp import decision, entities, features, hostility, safety, sentiment, urgency  # noqa: F401
from nlp.findings import attach
from nlp.text import prepare

INTENT_COMPONENT = "intent"
FLAGS_COMPONENT = "flags"
DECISION_COMPONENT = "decision"
CLASSIFIERS = (INTENT_COMPONENT, FLAGS_COMPONENT)
CONFIG_PATH = Path(__file__).with_name("config.cfg")

_NON_SPACE = re.compile(r"\S+")
_ONE_SPACE_APART = re.compile(r"\S+(?: \S+)*")


class WhitespaceTokenizer:
    """Splits on whitespace only, keeping ``doc.text`` identical to the input.

    No component reads spaCy's tokens (the rules read the text; the classifiers make their own
    n-grams), so the full tokenizer's affix rules would be work thrown away on every message.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        if _ONE_SPACE_APART.fullmatch(text):  # the common case: words one space apart
            split = text.split(" ")
            return Doc(self.vocab, words=split, spaces=[True] * (len(split) - 1) + [False])
        words: list[str] = []
        spaces: list[bool] = []
        position = 0
        for match in _NON_SPACE.finditer(text):
            if match.start() > position:
                words.append(text[position : match.start()])
                spaces.append(False)
            words.append(match.group())
            position = match.end()
            spaces.append(text.startswith(" ", position))
            position += spaces[-1]
        if position < len(text):
            words.append(text[position:])
            spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        """Nothing to save: the tokenizer has no settings."""

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> WhitespaceTokenizer:
        return self


def _whitespace_tokenizer() -> Callable[[Language], WhitespaceTokenizer]:
    return lambda pipeline: WhitespaceTokenizer(pipeline.vocab)


spacy.util.registry.tokenizers.register(
    "utility.WhitespaceTokenizer.v1", func=_whitespace_tokenizer
)


def _bare_lexemes() -> Callable[[Language], Language]:
    """Lexemes without lexical attributes (shape, affixes, like_num, ...): no component reads
    them, and computing them was most of the cost of a new word. Inside the memory zone every
    analysis runs in, each word the vocabulary has not kept is new in every zone."""

    def strip(pipeline: Language) -> Language:
        pipeline.vocab.lex_attr_getters = {}  # type: ignore[attr-defined]  # Cython, no stub
        return pipeline

    return strip


spacy.util.registry.callbacks.register("utility.bare_lexemes.v1", func=_bare_lexemes)


def load_config(path: Path = CONFIG_PATH) -> Config:
    return spacy.util.load_config(path)


def build(config: Config) -> Language:
    """An untrained pipeline from the config, without the decision step training adds last."""
    return spacy.util.load_model_from_config(config, auto_fill=True, validate=True)


def rule_components(pipeline: Language) -> list[str]:
    """The components before the classifiers, whose findings the classifiers read."""
    return [name for name in pipeline.pipe_names if name not in (*CLASSIFIERS, DECISION_COMPONENT)]


def make_doc(pipeline: Language, text: str, channel: str | None = None) -> Doc:
    prepared = prepare(text, channel)
    return attach(pipeline.make_doc(prepared.classifier.text), prepared)
