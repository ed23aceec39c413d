"""Reading a service address out of what a customer typed, and matching it to an account's."""

from __future__ import annotations

import pytest

from gateway.accounts import address_in, same_address


@pytest.mark.parametrize(
    ("typed", "claimed"),
    [
        ("4865 Mill Road", "4865 mill road"),
        ("its 4865 mill rd.", "4865 mill road"),
        ("account 8108093746 at 4865 Mill Rd, thanks", "4865 mill road thanks"),
        ("I owe 80 dollars for 4865 Mill Road", "4865 mill road"),
        ("apt 3, 12 N Oak St", "12 north oak street"),
    ],
)
def test_the_address_a_message_gives_starts_at_its_house_number(typed: str, claimed: str) -> None:
    assert address_in(typed) == claimed


@pytest.mark.parametrize(
    "typed",
    [
        "my account is 8108093746",
        "8108 093 746",
        "no idea, sorry",
        "Mill Road",
        "12 34",
        "4373 willow",
        "It says 212 dollars. Also, can I set up autopay?",
        "<script>alert(1)</script> my bill is wrong",
    ],
)
def test_a_message_without_a_house_number_and_typed_street_gives_no_address(typed: str) -> None:
    assert address_in(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "4865 Mill Road",
        "4865 MILL RD",
        "the service address is 4865 mill rd. please",
    ],
)
def test_house_number_and_street_name_match_however_they_are_written(typed: str) -> None:
    claimed = address_in(typed)
    assert claimed is not None and same_address(claimed, "4865 Mill Road")


def test_a_unit_is_not_needed_and_a_direction_may_be_abbreviated() -> None:
    claimed = address_in("12 N Oak St")
    assert claimed is not None and same_address(claimed, "12 North Oak Street Apt 3")


@pytest.mark.parametrize(
    "typed",
    ["4866 Mill Road", "4865 Mill Street", "4865 Elm Road", "48 Mill Road", "4865 Millbrook Road"],
)
def test_another_house_street_or_street_type_does_not_match(typed: str) -> None:
    claimed = address_in(typed)
    assert claimed is not None and not same_address(claimed, "4865 Mill Road")


def test_one_message_is_one_guess_whatever_it_lists() -> None:
    claimed = address_in("4864 mill rd 4865 mill rd 4866 mill rd")
    assert claimed is not None and not same_address(claimed, "4865 Mill Road")
