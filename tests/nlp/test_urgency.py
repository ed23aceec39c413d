"""Urgent without a hazard: a vulnerable person without service, or a shutoff today."""

import pytest

from nlp.text import prepare
from nlp.urgency import find_urgency


def urgency(text: str) -> str | None:
    return find_urgency(prepare(text).classifier.text)


@pytest.mark.parametrize(
    "text",
    [
        "My wife is on home oxygen and our power just went out.",
        "no electricity, no heat, -15 out. im 78 and alone. please",
        "our water has been off since this morning and we have a 3 month old baby",
        "mi mamá usa oxígeno y estamos sin luz",
        "no tenemos luz desde anoche y mi papá tiene un concentrador",
        "the outage is still going and my dad is on a ventilator",
        "power's been out all night, dad's oxygen tank is nearly empty",
        "heater died in the surge, twin toddlers in the house and it's freezing",
        "we have no working sewer and grandma is 91",
    ],
)
def test_vulnerable_person_without_service(text):
    assert urgency(text) == "vulnerable person without service"


@pytest.mark.parametrize(
    "text",
    [
        "They are disconnecting me TODAY for the previous tenant's debt.",
        "guy at my door says hes shutting my water off today!! i can pay now",
        "shutoff notice says today and i just got my check",
    ],
)
def test_shutoff_today(text):
    assert urgency(text) == "shutoff today"


def test_someone_who_drank_the_water_during_a_boil_notice():
    text = "there's a boil advisory and my son drank from the tap this morning, should we worry"
    assert urgency(text) == "drank water under a boil notice"


@pytest.mark.parametrize(
    "text",
    [
        "please add my husband to the medical list, he uses oxygen; the power is fine",
        "I'm 79 and I'd rather have my bills on paper",
        "got a shutoff notice for next thursday, can I get a payment plan?",
        "my power is out since this morning, any estimate?",
        "disconnect notice says the 28th - it's the 3rd today.",
        "is the boil water notice still on? we've been boiling everything",
        "my mother is 84; is there a planned outage on our street next week?",
        "no power and the kids are bored out of their minds lol",
    ],
)
def test_not_urgent(text):
    assert urgency(text) is None
