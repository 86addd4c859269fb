"""The verification form: a campaign that asks for it shows a debtor's pages only after they
have given their postcode or date of birth (``app.verification``)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.deps import AppState, FormDep, SessionDep, StateDep, UnverifiedVisitDep, Visit
from app.locks import BusyError
from app.verification import VERIFIED_FOR, Verdict, check_answer, cookie_name, cookie_value
from app.web.debtor_route import DebtorRoute
from app.web.player import page_context
from app.web.urls import player_url

router = APIRouter(route_class=DebtorRoute)


@router.post("/v/{token}/verify", response_class=HTMLResponse)
def verify(
    request: Request,
    token: str,
    visit: UnverifiedVisitDep,
    state: StateDep,
    session: SessionDep,
    form: FormDep,
) -> Response:
    target = safe_next(str(form.get("next", "")), token, visit.language)
    if visit.verify is None:
        return RedirectResponse(target, status_code=303)
    if visit.verify == "birth_date":
        parts = [form.get(name, "").strip()[:4] for name in ("day", "month", "year")]
        answer = "-".join(parts)
    else:
        answer = form.get("answer", "")[:40]
    now = datetime.now(UTC)
    try:
        verdict = check_answer(session, visit.debtor, visit.verify, answer, state.settings.key, now)
    except BusyError:
        verdict = Verdict(ok=False, busy=True)
    if not verdict.ok:
        return verify_page(request, visit, token, target, verdict)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        cookie_name(visit.debtor.id),
        cookie_value(state.settings.key, visit.debtor.id),
        max_age=VERIFIED_FOR,
        path="/",
        httponly=True,
        samesite="lax",  # comes along when the payment provider sends the debtor back
        secure=state.settings.https,
    )
    return response


def verify_page(
    request: Request, visit: Visit, token: str, target: str, verdict: Verdict | None = None
) -> Response:
    """The question; 401 the first time, 422 after a wrong answer, 429 while locked."""
    state: AppState = request.app.state.vidpay
    status = 401
    if verdict is not None:
        status = 429 if verdict.locked_until else 503 if verdict.busy else 422
    context = page_context(
        request, visit, token, title=visit._("Check that it is you"), kind=visit.verify,
        target=target, verdict=verdict,
    )  # fmt: skip
    return state.templates.TemplateResponse(request, "verify.html", context, status_code=status)


def safe_next(target: str, token: str, language: str) -> str:
    """Where to go after the answer: a page of this same link, never anywhere else."""
    own = player_url(token)
    if target == own or (target.startswith((own + "/", own + "?")) and "\\" not in target):
        return target
    return player_url(token, language)
