import pytest

from nlp.analysis import Entity
from nlp.entities import extract
from nlp.text import prepare


def entities(text: str, channel: str | None = None) -> list[tuple[str, str]]:
    return [(e.label, e.text) for e in extract(prepare(text, channel))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("acct 4817220935 pls", ("ACCOUNT_NUMBER", "4817220935")),
        ("account 4817 220 935", ("ACCOUNT_NUMBER", "4817 220 935")),
        ("account 4817-220-935", ("ACCOUNT_NUMBER", "4817-220-935")),
        ("service at 1420 Oak Street since", ("ADDRESS", "1420 Oak Street")),
        ("moved to 77 W Maple Ave Apt 3 last week", ("ADDRESS", "77 W Maple Ave Apt 3")),
        ("it's 2207 N. Harbor Blvd", ("ADDRESS", "2207 N. Harbor Blvd")),
        ("call me at (555) 201-4432", ("PHONE", "(555) 201-4432")),
        ("call me at 555-201-4432", ("PHONE", "555-201-4432")),
        ("my cell +1 555 201 4432", ("PHONE", "+1 555 201 4432")),
        ("the bill says $412.56", ("AMOUNT", "$412.56")),
        ("I owe 412 dollars", ("AMOUNT", "412 dollars")),
        ("paid on March 3", ("DATE", "March 3")),
        ("read on 3/14", ("DATE", "3/14")),
        ("can you come next Tuesday", ("DATE", "next Tuesday")),
        ("meter M20481735 is broken", ("METER_NUMBER", "M20481735")),
        ("meter number 20481735 is broken", ("METER_NUMBER", "20481735")),
        ("status of PRM-2026-00431?", ("PERMIT_REF", "PRM-2026-00431")),
        ("permit number 2026-00431 status", ("PERMIT_REF", "2026-00431")),
    ],
)
def test_each_label_in_its_written_forms(text, expected):
    assert expected in entities(text)


def test_spoken_account_number_is_reported_as_spoken():
    text = "yeah my account number is four eight one seven two two zero nine three five"
    [entity] = extract(prepare(text, "voice"))
    assert entity.label == "ACCOUNT_NUMBER"
    assert entity.text == "four eight one seven two two zero nine three five"
    assert text[entity.start : entity.end] == entity.text


def test_spoken_address_and_amount():
    found = entities(
        "i live at twenty two oh seven north harbor boulevard and owe four hundred dollars"
    )
    assert ("ADDRESS", "twenty two oh seven north harbor boulevard") in found
    assert ("AMOUNT", "four hundred dollars") in found


def test_ten_digits_after_phone_words_are_a_phone_number():
    assert entities("call me back at 5552014432") == [("PHONE", "5552014432")]
    assert entities("my account is 5552014432") == [("ACCOUNT_NUMBER", "5552014432")]


def test_offsets_point_into_the_original_text():
    text = "Hi!\n\nPay $50 on March 3 for acct 4817220935.\n\nThanks,\nAl\n(555) 201-4432"
    for entity in extract(prepare(text, "email")):
        assert text[entity.start : entity.end] == entity.text
    start = text.index("(555)")
    assert Entity("PHONE", "(555) 201-4432", start, start + 14) in extract(prepare(text, "email"))


def test_numbers_that_are_not_entities():
    assert entities("open 24/7, I paid 3 times on the street") == []
    assert entities("no numbers here at all") == []
