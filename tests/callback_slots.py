"""The times the callback form offers, read from the page as a debtor's browser sees them:
a day select whose options carry that day's open times, then a time select."""

from __future__ import annotations

import re


def offered_slots(page: str) -> list[str]:
    """Every slot the form offers, as the server stores it: ``2026-12-07T08:00``."""
    days = re.findall(r'<option value="(\d{4}-\d\d-\d\d)" data-times="([\d: ]*)"', page)
    return [f"{day}T{time}" for day, times in days for time in times.split()]


def slot_fields(slot: str) -> dict[str, str]:
    """The form's fields for a slot: its day, then its time."""
    day, time = slot.split("T")
    return {"day": day, "time": time}
