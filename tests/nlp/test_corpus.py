"""The corpus follows the labelling guidelines, and its split is fixed and honest."""

from pathlib import Path

import pytest

from nlp import corpus
from nlp.analysis import INTENTS


@pytest.fixture(scope="module")
def messages() -> list[corpus.Message]:
    return corpus.load_corpus()


def test_corpus_is_valid(messages):
    assert len(messages) > 1000
    assert corpus.problems(messages) == []


def test_ids_are_prefixed_by_their_slice():
    for path in sorted(corpus.CORPUS_DIR.glob("slice_*.jsonl")):
        letter = path.stem.removeprefix("slice_")
        assert all(m.id.startswith(f"{letter}-") for m in corpus.load([path])), path


def test_every_intent_is_represented(messages):
    assert {m.intent for m in messages} == set(INTENTS)


def test_problems_reports_guideline_violations():
    bad = [
        corpus.Message("x-1", "gas!", "emergency", False, False, "sms"),
        corpus.Message("x-1", "hi", "weather", False, False, "fax"),
        corpus.Message("x-2", "  ", "payment", False, False, "chat"),
    ]
    assert corpus.problems(bad) == [
        "x-1: emergency not marked urgent",
        "x-1: duplicate id",
        "x-1: unknown intent 'weather'",
        "x-1: unknown style 'fax'",
        "x-2: empty text",
    ]


def test_load_names_the_bad_line(tmp_path: Path):
    path = tmp_path / "slice_z.jsonl"
    path.write_text('{"id": "z-1", "text": "hi", "intent": "payment", "urgent": false}\n')
    with pytest.raises(corpus.CorpusError, match=r"slice_z.jsonl:1: field 'hostile'"):
        corpus.load([path])


def test_split_is_disjoint_complete_and_repeatable(messages):
    first, second = corpus.split(messages), corpus.split(list(reversed(messages)))
    ids = [m.id for m in first.fit + first.tune + first.dev]
    assert sorted(ids) == sorted(m.id for m in messages)
    assert len(set(ids)) == len(ids)
    assert {m.id for m in first.dev} == {m.id for m in second.dev}
    assert {m.id for m in first.tune} == {m.id for m in second.tune}


def test_split_gives_each_intent_its_share(messages):
    parts = corpus.split(messages)
    for intent in INTENTS:
        total = sum(m.intent == intent for m in messages)
        in_dev = sum(m.intent == intent for m in parts.dev)
        assert abs(in_dev - total * corpus.DEV_SHARE) <= 1, intent
