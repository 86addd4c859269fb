"""A campaign's reminder rules, changed on its page (``vidpay campaign reminders`` does the
same): who did not open after how many days and how often, the day before a date to pay,
after a broken promise. The next hourly round follows the new rules."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.deps import CampaignDep, FormDep, SessionDep
from app.models import Campaign
from app.outreach.reminders import ReminderRules
from app.web.admin_access import AdminRoute, OperatorUser, check_csrf

router = APIRouter(prefix="/admin", route_class=AdminRoute, dependencies=[Depends(check_csrf)])
FLASH = "vidpay.reminders"  # what the last change said, shown once on the campaign page
LIMITS = {"not_opened_days": (0, 60), "not_opened_max": (0, 10)}


def read_rules(form: dict[str, str], current: ReminderRules) -> tuple[ReminderRules, list[str]]:
    """The rules the form asks for, and what is wrong with it (then the current rules)."""
    numbers: dict[str, int] = {}
    errors = []
    labels = {"not_opened_days": "“After how many days”", "not_opened_max": "“How often”"}
    for name, (low, high) in LIMITS.items():
        text = form.get(name, "").strip()
        if not text.isdigit() or not low <= int(text) <= high:
            errors.append(f"{labels[name]} must be a whole number from {low} to {high}.")
        else:
            numbers[name] = int(text)
    if errors:
        return current, errors
    wanted = replace(
        current, **numbers, before_due=form.get("before_due") == "1",
        broken=form.get("broken") == "1",
    )  # fmt: skip
    return wanted, []


@router.post("/campaigns/{campaign_id}/reminders")
def change_reminders(
    request: Request, user: OperatorUser, campaign: CampaignDep, session: SessionDep, form: FormDep
) -> Response:
    """Save the campaign's reminder rules; committed before the page says so."""
    campaign_id = campaign.id
    if campaign.purged_at is not None:
        raise HTTPException(status_code=409, detail="The campaign was purged: it sends nothing.")
    rules, errors = read_rules(form, ReminderRules.of(campaign))
    if not errors:
        campaign.reminders = rules.stored()
        session.commit()
    request.session[FLASH] = {"campaign": campaign_id, "errors": errors}
    return RedirectResponse(f"/admin/campaigns/{campaign_id}#reminders-title", status_code=303)


def reminders_section(request: Request, session: Session, campaign_id: int) -> dict[str, object]:
    """The campaign page's reminder rules, and what the last change said (once)."""
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None  # the page found it
    flash = request.session.get(FLASH)
    if isinstance(flash, dict) and flash.get("campaign") == campaign_id:
        request.session.pop(FLASH)
    else:
        flash = None
    return {"rules": ReminderRules.of(campaign), "flash": flash}
