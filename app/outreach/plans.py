"""A send asked for, told in plain words: how many go on each channel, who is skipped and why,
and when they go: the same sentences on the command line and the campaign page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from app.outreach.outbox import SendPlan
from app.outreach.rules import ContactRules

CHANNEL_NAMES = {"email": "e-mail", "sms": "SMS"}


def channel_line(plan: SendPlan, channel: str) -> str:
    """``e-mail: 3 queued, 1 already asked for, 2 skipped (2 no e-mail address)``."""
    parts = [f"{plan.queued[channel]} queued"]
    if plan.already[channel]:
        parts.append(f"{plan.already[channel]} already asked for")
    skipped = plan.skipped.get(channel)
    if skipped:
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items()))
        parts.append(f"{sum(skipped.values())} skipped ({reasons})")
    return f"{CHANNEL_NAMES.get(channel, channel)}: {', '.join(parts)}"


def when_line(plan: SendPlan, rules: ContactRules) -> str:
    """When the queued messages go, and why later than asked when the rules moved them."""
    if not sum(plan.queued.values()):
        return "Nothing new to send."
    if not plan.moved:
        return "They go now."
    local = plan.send_at.astimezone(ZoneInfo(rules.timezone))
    moment = format_datetime(local, "EEEE d MMMM y 'at' HH:mm", locale="en")
    return (
        f"They go on {moment} ({rules.timezone}): no messages on Sundays and public holidays, "
        f"nor between {rules.last:%H:%M} and {rules.first:%H:%M}."
    )


def plan_lines(plan: SendPlan, channels: list[str], rules: ContactRules) -> list[str]:
    return [*(channel_line(plan, c) for c in channels), when_line(plan, rules)]
