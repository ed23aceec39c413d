from nlp.text import MAX_CHARS, prepare

EMAIL = (
    "Hello,\n\nMy bill is wrong again.\nPlease fix it.\n\nThanks,\nRuth Adler\n(555) 201-4432\n\n"
    "> On Mon, Mar 3, Customer Care wrote:\n> Call us at 555-000-1111 about your GAS LEAK question."
)


def test_quoted_reply_is_dropped_from_every_view():
    prepared = prepare(EMAIL, "email")
    assert "555-000-1111" not in prepared.extraction.text
    assert "leak" not in prepared.classifier.text


def test_signature_is_kept_for_entities_but_not_for_classifiers():
    prepared = prepare(EMAIL, "email")
    assert "ruth" not in prepared.classifier.text
    assert "(555) 201-4432" in prepared.extraction.text
    assert "my bill is wrong again." in prepared.classifier.text
    assert prepared.extraction.text.startswith(prepared.classifier.text)


def test_wrapped_attribution_line_is_dropped():
    text = (
        "Still no answer.\nOn Tue, Apr 8, 2025 at 10:00 AM Billing\n"
        "<billing@example.com> wrote:\n> old"
    )
    assert prepare(text).classifier.text.strip() == "still no answer."


def test_quote_marks_in_sms_are_the_customers_own_words():
    assert "3 days" in prepare("> 3 days without power", "sms").classifier.text


def test_a_lone_sign_off_is_not_mistaken_for_a_signature():
    assert prepare("thanks!", "chat").classifier.text == "thanks!"
    assert prepare("Thanks,\n", "email").classifier.text.startswith("thanks")


def test_spoken_numbers_become_digits_and_map_back_to_the_words():
    prepared = prepare("account four eight one seven two two zero nine three five please")
    view = prepared.classifier
    start = view.text.index("4817220935")
    source = view.source_span(start, start + 10)
    assert (
        prepared.original[source[0] : source[1]]
        == "four eight one seven two two zero nine three five"
    )


def test_spoken_numbers_forms():
    assert "412 dollars" in prepare("like four hundred and uh twelve dollars").classifier.text
    assert "2207 north" in prepare("at twenty two oh seven north harbor").classifier.text
    assert (
        "2026-00431"
        in prepare("permit twenty twenty six dash zero zero four three one").classifier.text
    )
    assert "no one" in prepare("no one came").classifier.text


def test_classifier_view_is_lower_case_and_shouting_is_counted():
    prepared = prepare("WHY IS MY BILL SO HIGH AGAIN")
    assert prepared.classifier.text == "why is my bill so high again"
    assert prepared.caps_words == 3
    assert prepared.body == "WHY IS MY BILL SO HIGH AGAIN"


def test_sms_shorthand_is_spelled_out_and_maps_back():
    prepared = prepare("pls fix my acct 2day thx")
    view = prepared.classifier
    assert view.text == "please fix my account today thanks"
    start = view.text.index("today")
    assert view.source_span(start, start + 5) == (16, 20)


def test_long_input_is_bounded():
    prepared = prepare("x" * 1_000_000)
    assert len(prepared.original) == MAX_CHARS


def test_empty_and_whitespace_are_empty():
    assert prepare("").is_empty
    assert prepare(" \n\t ").is_empty
    assert not prepare("🔥").is_empty


def test_speech_fillers_and_false_starts_are_dropped_for_classifiers():
    prepared = prepare("yeah hi um i got a a letter saying my my bill is uh wrong", "voice")
    assert prepared.classifier.text == "yeah hi i got a letter saying my bill is wrong"
    assert prepare("the summer umbrella").classifier.text == "the summer umbrella"


def test_rewrites_are_found_whatever_the_case_and_keep_their_positions():
    prepared = prepare("İ said PLS check ACCT FOUR EIGHT one seven, The the bill")
    view = prepared.classifier
    assert view.text == "İ said please check account 4817, the bill"
    start = view.text.index("4817")
    assert prepared.original[slice(*view.source_span(start, start + 4))] == "FOUR EIGHT one seven"
