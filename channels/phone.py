"""Phone addresses as the store keys them, and as logs may show them.

A contact's SMS identity is unique on its address, so one number must have one spelling:
E.164. Addresses that are not phone numbers (short codes, alphanumeric sender ids, channel
addresses such as ``whatsapp:+1...``) are kept as given rather than rejected, because refusing
them would lose a real customer's message.
"""

from __future__ import annotations

import phonenumbers

_CHANNEL_PREFIX_SEPARATOR = ":"


def normalize_phone(address: str, default_region: str | None = None) -> str:
    """The E.164 spelling of ``address`` when it is a phone number, else ``address`` trimmed.

    ``default_region`` (ISO 3166 alpha-2, e.g. ``"US"``) reads national numbers without a
    leading ``+``; Twilio itself always sends E.164, so it only matters for other callers.
    A ``prefix:`` channel address keeps its prefix and has its number part normalised.
    """
    address = address.strip()
    prefix, sep, rest = address.rpartition(_CHANNEL_PREFIX_SEPARATOR)
    if sep:
        return f"{prefix}{sep}{normalize_phone(rest, default_region)}"
    region = None if address.startswith("+") else default_region
    if region is None and not address.startswith("+"):
        return address
    try:
        number = phonenumbers.parse(address, region)
    except phonenumbers.NumberParseException:
        return address
    if not phonenumbers.is_possible_number(number):
        return address
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(address: str | None) -> str:
    """``+14155550183`` as ``+1******0183``: enough to tell numbers apart in logs, no more.

    Logs above DEBUG must not carry customers' numbers; a channel prefix stays readable.
    """
    if not address:
        return "-"
    prefix, sep, number = address.rpartition(_CHANNEL_PREFIX_SEPARATOR)
    if sep:
        return f"{prefix}{sep}{mask_phone(number)}"
    if len(number) <= 6:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 6) + number[-4:]
