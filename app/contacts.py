"""A debtor's e-mail address and phone number, checked once at import and kept in one form.

Operators' files hold numbers as people write them (``06 1234 5678``, ``0031 6...``, ``+49
30 ...``); an SMS provider wants E.164 (``+31612345678``), so numbers are normalised at
import, read as Dutch unless they say otherwise, and a number that cannot be one is a problem
on its line rather than a message that fails weeks later.
"""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import PhoneNumberFormat, PhoneNumberType, timezone

DEFAULT_REGION = "NL"  # a number without a country code is read as Dutch
_MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def contact_email(text: str) -> str:
    """The address as it is sent to (the domain in lower case); ``ValueError`` saying what is
    wrong. No DNS lookup: an import must not depend on the network."""
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"'{text}' is not an e-mail address: {exc}") from None


def contact_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """The number in E.164; ``ValueError`` when it is not a possible number anywhere."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"'{text}' is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"'{text}' is not a phone number (too short, too long or unknown)")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """Whether an SMS can reach the number (a landline cannot); numbers whose plan does not
    tell the two apart count as mobile."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in _MOBILE


def phone_zone(e164: str | None) -> str | None:
    """The time zone a number belongs to, when it has exactly one (+31: Europe/Amsterdam;
    +1 numbers span several, so None): a Turkish mobile is written to by Istanbul's clock."""
    if not e164:
        return None
    try:
        zones = timezone.time_zones_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None
    return zones[0] if len(zones) == 1 and "/" in zones[0] else None
