"""Sparse features for the two classifiers: word and character n-grams plus hand-written cues.

spaCy's bag-of-words classifier feeds raw n-gram counts to a linear layer, so a long email
outvotes its own first sentence and an unseen spelling ("pymnt", "electrcity") is a blank. On
our corpus that trails TF-IDF + logistic regression by several points. This architecture is the
same linear layer over better inputs: word 1-2 grams and character 3-5 grams (within words),
each block scaled to unit length as TF-IDF vectors are, plus cues the rule components found
(a hazard, a shutoff today, profanity, an amount, a permit number...) at full weight. Features
are computed once per document and cached on it.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from spacy.strings import hash_string  # type: ignore[attr-defined]  # Cython, no stub
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Logistic, Model, SparseLinear_v2, chain, softmax_activation

from nlp.findings import Findings, find

MAX_WORD = 24
"""Longer tokens (URLs, pasted junk) add n-grams but no meaning."""
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]")
_CACHE_LIMIT = 200_000
_WORD_KEYS: dict[tuple[int, int], dict[str, tuple[int, tuple[int, ...]]]] = {}


CUE_GROUPS = ("length", "rules", "entities", "hostility", "sentiment")


def build_sparse_classifier(
    exclusive_classes: bool,
    length: int = 2**19,
    char_ngrams: Sequence[int] = (3, 5),
    cue_groups: Sequence[str] = CUE_GROUPS,
    nO: int | None = None,
) -> Model[list[Doc], Any]:
    """A linear classifier over :func:`features`; ``cue_groups`` picks the cues it may read.

    Dropout here drops whole features during training, which keeps the model from leaning on
    one n-gram where several would do.
    """
    unknown = set(cue_groups) - set(CUE_GROUPS)
    if unknown:
        raise ValueError(f"unknown cue groups {sorted(unknown)}; known: {CUE_GROUPS}")
    extractor: Model[list[Doc], Any] = Model(
        "utility_features",
        _forward,
        attrs={
            "char_min": int(char_ngrams[0]),
            "char_max": int(char_ngrams[1]),
            "cues": list(cue_groups),
        },
    )
    extractor.attrs["dropout_rate"] = 0.0
    linear = SparseLinear_v2(nO=nO, length=length)
    output = softmax_activation() if exclusive_classes else Logistic()
    model: Model[list[Doc], Any] = chain(extractor, linear, output)
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", linear)
    model.attrs["multi_label"] = not exclusive_classes
    return model


registry.architectures.register("utility.SparseFeatures.v1", func=build_sparse_classifier)


def _forward(model: Model[list[Doc], Any], docs: list[Doc], is_train: bool) -> tuple[Any, Any]:
    # Saved models restore attrs from msgpack, as lists: the cache key is rebuilt as a tuple.
    attrs = model.attrs
    ngram_setting = (attrs["char_min"], attrs["char_max"])
    groups = tuple(attrs["cues"])
    keys = array("Q")
    values = array("f")
    lengths = array("i")
    for doc in docs:
        found = find(doc)
        # A doc not made by make_doc (spaCy's initialize() samples examples' reference docs)
        # has its text only, and no findings to keep the features in.
        cache = {} if found is None else found.features
        computed = cache.get(ngram_setting)
        if computed is None:
            computed = cache[ngram_setting] = DocFeatures.of(doc, found, *ngram_setting)
        cue_keys = computed.cue_keys(groups)
        keys.extend(computed.ngram_keys)
        keys.extend(cue_keys)
        values.extend(computed.ngram_values)
        values.extend(_ONE * len(cue_keys))
        lengths.append(len(computed.ngram_keys) + len(cue_keys))
    xp = model.ops.xp
    batch_keys = xp.asarray(keys, dtype="uint64")
    batch_values = xp.asarray(values, dtype="float32")
    batch_lengths = xp.asarray(lengths, dtype="int32")
    rate = float(model.attrs["dropout_rate"])
    if is_train and rate > 0 and len(batch_values):
        batch_values = batch_values * (xp.random.random(len(batch_values)) >= rate) / (1 - rate)
        batch_values = batch_values.astype("float32")
    return (batch_keys, batch_values, batch_lengths), lambda gradient: []


_ONE = array("f", [1.0])


@dataclass(frozen=True, slots=True)
class DocFeatures:
    """One document's features, computed once and shared by both classifiers.

    Feature dropout drops by position, so keys must come in the same order in every process:
    they are integers added to sets in a fixed order (a set of strings would iterate in an
    order that changes with each process's string hashing).
    """

    ngram_keys: array[int]
    """Word 1-2 gram keys, then character n-gram keys, each once."""
    ngram_values: array[float]
    """Each block at unit length, as in a TF-IDF vector."""
    cues_by_group: dict[str, frozenset[int]]

    @classmethod
    def of(
        cls, doc: Doc, found: Findings | None, char_min: int = 3, char_max: int = 5
    ) -> DocFeatures:
        text = doc.text if found is None else found.source.classifier.text
        word_keys, char_keys, length = _ngrams(text, char_min, char_max)
        keys = array("Q", word_keys)
        keys.extend(char_keys)
        values = array("f", [len(word_keys) ** -0.5 if word_keys else 0.0]) * len(word_keys)
        values.extend(array("f", [len(char_keys) ** -0.5 if char_keys else 0.0]) * len(char_keys))
        by_group = {
            group: frozenset(hash_string(name) for name in names)
            for group, names in cues(doc, found, length).items()
        }
        return cls(keys, values, by_group)

    def cue_keys(self, groups: Sequence[str]) -> list[int]:
        """Keys of the cues from ``groups``, sorted: a fixed order, as dropout needs."""
        return sorted(frozenset().union(*(self.cues_by_group[group] for group in groups)))


def _ngrams(text: str, char_min: int, char_max: int) -> tuple[set[int], set[int], int]:
    """Word 1-2 gram keys, character n-gram keys, and the number of tokens.

    Tokens come from a regular expression rather than spaCy's tokenizer: the same text always
    gives the same features, and it is several times faster than walking Token objects.
    """
    words = [word[:MAX_WORD] for word in _TOKEN.findall(text)]
    memo = _WORD_KEYS.setdefault((char_min, char_max), {})
    word_keys: set[int] = set()
    char_keys: set[int] = set()
    for word in words:
        found = memo.get(word)
        if found is None:
            found = _word_keys(memo, word, char_min, char_max)
        word_keys.add(found[0])
        char_keys.update(found[1])
    word_keys.update(hash_string(f"b {a} {b}") for a, b in pairwise(words))
    return word_keys, char_keys, len(words)


def _word_keys(
    memo: dict[str, tuple[int, tuple[int, ...]]], word: str, char_min: int, char_max: int
) -> tuple[int, tuple[int, ...]]:
    """A word's own key and its character n-gram keys, memoised: most words recur."""
    padded = f" {word} "
    grams = {
        padded[i : i + size]
        for size in range(char_min, char_max + 1)
        for i in range(len(padded) - size + 1)
    }
    if len(memo) >= _CACHE_LIMIT:
        memo.clear()
    found = memo[word] = (
        hash_string("w " + word),
        tuple(sorted(hash_string("c" + gram) for gram in grams)),
    )
    return found


def cues(doc: Doc, found: Findings | None, length: int) -> dict[str, list[str]]:
    """Names of the hand-written cues the rule components found, by cue group."""
    rules = []
    if found is not None and found.hazard is not None:
        rules.append("k hazard")
    if found is not None and found.urgency is not None:
        rules.append("k urgency " + found.urgency)
    angry = []
    hostility = None if found is None else found.cues
    if hostility is not None:
        angry = ["k " + name for name in _HOSTILITY_COUNTS if getattr(hostility, name)]
        if hostility.shouting >= 0.5:
            angry.append("k shouting")
        elif hostility.shouting >= 0.2:
            angry.append("k some shouting")
        if hostility.exclamation >= 2:
            angry.append("k exclamations")
    sentiment = float(doc.sentiment)
    feeling = []
    if sentiment <= -0.5:
        feeling.append("k very negative")
    elif sentiment <= -0.05:
        feeling.append("k negative")
    elif sentiment >= 0.5:
        feeling.append("k very positive")
    return {
        "length": [f"k length {min(length.bit_length(), 7)}"],
        "rules": rules,
        "entities": [] if found is None else ["k entity " + e.label for e in found.entities],
        "hostility": angry,
        "sentiment": feeling,
    }


_HOSTILITY_COUNTS = ("profanity", "insult", "threat", "repeat", "exasperation")
