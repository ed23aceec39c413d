"""analyze() on the built model: clear-cut cases, rules overriding scores, and bad input."""

from pathlib import Path

import pytest

import nlp
from nlp.model import ModelNotFoundError, NlpModel


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I smell gas in my basement, please send someone", "emergency"),
        ("my power has been out since 6am on Birch Rd, any estimate?", "outage_report"),
        ("I'd like to set up a payment plan for my overdue balance", "payment"),
        ("I'm moving out on the 30th, please stop service at 12 Elm St", "start_stop_service"),
        ("how do I apply for a permit to connect a new sewer line?", "permit_license"),
    ],
)
def test_clear_cut_intents(model: NlpModel, text, intent):
    result = model.analyze(text)
    assert result.intent == intent
    assert result.intent_confidence > 0.35


def test_safety_layer_overrides_the_classifier(model: NlpModel):
    result = model.analyze("question about my bill: also huele a gas en la cocina")
    assert result.urgent
    assert result.intent == "emergency"


def test_negated_hazard_is_not_urgent(model: NlpModel):
    result = model.analyze("not an emergency, no gas smell, just a question about my gas bill")
    assert not result.urgent
    assert result.intent != "emergency"


def test_hostile_and_polite_complaints(model: NlpModel):
    assert model.analyze("FIFTH TIME calling you idiots, my lawyer will hear about this").hostile
    assert not model.analyze(
        "I'm a bit disappointed the technician was late, can you help?"
    ).hostile


def test_hostile_sentiment_is_never_positive(model: NlpModel):
    result = model.analyze("Thanks for nothing, you useless idiots. Great service as always!")
    assert result.hostile
    assert result.sentiment <= -0.5


def test_entities_come_with_the_analysis(model: NlpModel):
    result = model.analyze("acct 4817220935, pay $50 on March 3", "sms")
    assert result.first("ACCOUNT_NUMBER") == "4817220935"
    assert result.first("AMOUNT") == "$50"
    assert result.first("DATE") == "March 3"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_an_uncertain_general_inquiry(model: NlpModel, text):
    result = model.analyze(text)
    assert (result.intent, result.intent_confidence, result.urgent, result.hostile) == (
        "general_inquiry",
        0.0,
        False,
        False,
    )


@pytest.mark.parametrize(
    "text",
    ["🔥🔥🔥", "😡", "Mein Zähler ist kaputt.", "我的账单太高了", "\x00\x01", "\ud800 broken", "?"],
)
def test_odd_input_never_raises(model: NlpModel, text):
    result = model.analyze(text)
    assert result.intent in nlp.INTENTS
    assert -1.0 <= result.sentiment <= 1.0
    assert 0.0 <= result.intent_confidence <= 1.0


def test_megabyte_of_text_is_analysed_on_a_prefix(model: NlpModel):
    text = "My bill is wrong, $999.99 for one month. " * 25_000
    result = model.analyze(text)
    assert result.intent == "billing_dispute"
    assert all(entity.end <= 5000 for entity in result.entities)


def test_uncertain_text_falls_back_to_general_inquiry(model: NlpModel):
    result = model.analyze("asdf qwerty zxcv")
    assert result.intent == "general_inquiry"


def test_analyze_many_matches_analyze(model: NlpModel):
    texts = ["power out on Oak St", "", "you idiots", "pay my bill"]
    channels = ["sms", None, "chat", "voice"]
    assert model.analyze_many(texts, channels) == [
        model.analyze(t, c) for t, c in zip(texts, channels, strict=True)
    ]
    assert model.analyze_many([]) == []


def test_analyze_many_rejects_mismatched_channels(model: NlpModel):
    with pytest.raises(ValueError, match="2 texts but 1 channels"):
        model.analyze_many(["a", "b"], ["sms"])


def test_module_level_functions_use_the_default_model():
    assert nlp.analyze("my power is out").intent == "outage_report"
    assert [a.intent for a in nlp.analyze_many(["my power is out"])] == ["outage_report"]


def test_missing_model_names_the_make_target(tmp_path: Path):
    with pytest.raises(ModelNotFoundError, match="make model"):
        nlp.load(tmp_path / "nowhere")


def test_analysing_leaves_no_new_words_in_the_vocabulary(model: NlpModel):
    """A gateway runs for months: words it has seen once must not accumulate."""
    strings = model._pipeline.vocab.strings
    before = len(strings)
    texts = [f"acct 48{n:08d} zq{n}xv still no power at {n} Birch Rd" for n in range(200)]
    model.analyze_many(texts)
    model.analyze("brand new wordzzq and 5551234987")
    assert len(strings) == before
    assert "zq17xv" not in strings
