"""Hostility cues: what VADER alone misses (masked profanity, threats, shouting, repeat fury)."""

import pytest

from nlp.hostility import Cues, HostilityModel, best_f1_threshold, features
from nlp.text import prepare


def cues(text: str) -> Cues:
    return Cues.of(prepare(text))


@pytest.mark.parametrize(
    "text", ["this is f***ing ridiculous", "what the sh!t", "wtf is this bill", "f**k you"]
)
def test_profanity_including_masked(text):
    assert cues(text).profanity >= 1


def test_insults_threats_and_repeat_fury():
    assert cues("you idiots can't read a meter").insult == 1
    assert cues("I'm calling my lawyer and the news").threat == 2
    assert cues("this is the FIFTH time I'm calling").repeat == 1
    assert cues("called 6 times about this").repeat == 1


def test_shouting_is_measured_on_the_original_case():
    assert cues("WHY IS NOBODY ANSWERING THE PHONE").shouting == 1.0
    assert cues("why is nobody answering the phone").shouting == 0.0
    assert cues("I emailed PSEG and FEMA about it already today").shouting < 0.5


def test_polite_frustration_has_no_cues():
    found = cues("I'm disappointed, this is frustrating, can someone help?")
    assert (found.profanity, found.insult, found.threat, found.repeat) == (0, 0, 0, 0)


def test_exasperation_is_weaker_evidence_than_an_insult():
    found = cues("this is ridiculous, you clowns")
    assert (found.insult, found.exasperation) == (1, 1)


def test_fitted_combination_learns_which_cue_matters():
    quiet = Cues(0, 0, 0, 0, 0.0, 0)
    sworn = Cues(2, 0, 0, 0, 0.0, 0)
    rows = [features(quiet, 0.1, 0.0)] * 20 + [features(sworn, 0.1, 0.0)] * 20
    model = HostilityModel.fit(rows, [False] * 20 + [True] * 20)
    assert model.probability(features(sworn, 0.1, 0.0)) > model.threshold
    assert model.probability(features(quiet, 0.1, 0.0)) < model.threshold


def test_best_f1_threshold_separates_the_classes():
    threshold = best_f1_threshold([0.9, 0.8, 0.3, 0.2], [True, True, False, False])
    assert 0.3 < threshold < 0.8
