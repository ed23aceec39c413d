"""The safety layer marks unmistakable hazards urgent whatever the classifiers say."""

import pytest

from nlp.safety import find_hazard
from nlp.text import prepare


def hazard(text: str) -> str | None:
    return find_hazard(prepare(text).classifier.text)


@pytest.mark.parametrize(
    "text",
    [
        "I smell gas in my kitchen",
        "strong gas odor outside the building",
        "it smells like rotten eggs near the meter",
        "the gas meter is hissing really loud",
        "downed wire sparking on the sidewalk",
        "power line is down on my car",
        "the transformer on the corner exploded",
        "smoke coming out of the transformer",
        "water main break on Elm Street, water everywhere",
        "sewage backing up into my basement",
        "my toilet is overflowing with sewage",
        "my faucet shocks me when I touch it",
        "a lifeguard got a shock from the ladder and we've cleared the pool",
        "the sewer's coming up in my basement",
        "there's no power and I smell gas",
        "I SMELL GAS",
    ],
)
def test_hazards_are_found(text):
    assert hazard(text) is not None


@pytest.mark.parametrize(
    "text",
    ["huele a gas en la cocina", "hay una fuga de gas", "hay un cable caído en la calle"],
)
def test_spanish_hazards_are_found(text):
    assert hazard(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "no gas smell, just no power",
        "I don't smell gas, the stove just won't light",
        "there is no sparking, the line is just sagging a bit",
        "no huele a gas",
        "not an emergency, just a question about my gas bill",
    ],
)
def test_negated_hazards_do_not_count(text):
    assert hazard(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "last week there was a gas smell, the crew fixed it, why is my bill so high",
        "the gas leak was fixed last month",
        "sewer backed up into my basement, cleaned up now, how do I claim",
        "who pays for my TV? your transformer blew in February and fried it, claim denied",
    ],
)
def test_hazards_that_are_over_do_not_count(text):
    assert hazard(text) is None


def test_a_hazard_back_after_a_repair_counts():
    assert hazard("we had a gas leak last year and now I smell gas again") is not None
    assert hazard("sewer backing up into basement AGAIN. u said u fixed the main") is not None


def test_questions_about_what_to_do_do_not_count():
    assert hazard("what should I do if I smell gas?") is None


def test_hedged_reports_still_count():
    assert hazard("I'm not sure, but I think I smell gas") is not None
    assert hazard("i don't know if it's gas but it smells like rotten eggs") is not None
