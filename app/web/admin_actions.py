"""What operators do from the admin pages: import a campaign, render it, take its links and QR
codes, purge it. The same functions as the command line, behind a login and a CSRF token.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
import zipfile
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData, UploadFile

from app.campaigns import Requirements, links, write_qr_codes
from app.config import DEFAULT_RETENTION_DAYS, Settings
from app.csv_safe import SafeWriter
from app.deps import CampaignDep, FormDep, SessionDep, StateDep
from app.import_files import template_csv, template_xlsx
from app.import_worker import ImportJob, import_in_process
from app.models import Campaign
from app.rendering import render_campaign
from app.retention import purge_campaign
from app.verification import KINDS as VERIFY_KINDS
from app.web.admin_access import AdminRoute, CurrentUser, OperatorUser, check_csrf
from app.web.admin_page import admin_page
from app.web.params import DbId
from render.content import ContentRoot, SceneNotFoundError
from render.executors import CeleryExecutor, Executor, LocalExecutor
from render.problems import ContentError, Problem
from render.scene import Scene
from render.validate import load_scene

router = APIRouter(prefix="/admin", route_class=AdminRoute, dependencies=[Depends(check_csrf)])
_renders: dict[int, threading.Thread] = {}  # campaign -> the render running in this process
_renders_lock = threading.Lock()
IMPORT_SUMMARY = "vidpay.import"  # the session key of the last import's summary, shown once
DEFAULT_SCENE = "arrears"  # the friendly scene gets the weight unless the operator chooses
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- a new campaign -------------------------------------------------------------------------


@router.get("/campaigns/new", response_class=HTMLResponse)
def new_campaign(request: Request, user: OperatorUser, state: StateDep) -> Response:
    return _new_page(request, state, user, form={}, problems=[])


async def multipart_form(request: Request) -> AsyncIterator[FormData]:
    """The posted form with its file, read from the body here (so the route can run in a
    thread); the file is closed once the answer is sent."""
    async with request.form() as form:
        yield form


@router.post("/campaigns/new", response_class=HTMLResponse)
def create_campaign(
    request: Request,
    user: OperatorUser,
    state: StateDep,
    form: Annotated[FormData, Depends(multipart_form)],
) -> Response:
    """Check the whole file (CSV or .xlsx) first; one bad row and nothing is imported, unless
    asked to skip.
    The check and the import run in a process of their own (``app.import_worker``): 20,000
    rows take seconds that no debtor's page may wait for."""
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("csv")
    problems: list[str] = []
    name = fields.get("name", "").strip()[:200]
    if not name:
        problems.append("Give the campaign a name.")
    variants = _variants(state.settings.content, fields, problems)
    expires_at = _expiry(fields.get("expires", ""), state.settings.timezone, problems)
    retention = _whole(fields.get("retention_days") or str(DEFAULT_RETENTION_DAYS), problems)
    verify = fields.get("verify") or None
    if verify is not None and verify not in VERIFY_KINDS:
        problems.append("Choose what debtors verify themselves with from the list.")
    if not isinstance(upload, UploadFile) or not upload.filename:
        problems.append("Choose the file with the debtors (.xlsx or CSV).")
    if problems or not variants or not isinstance(upload, UploadFile):
        return _new_page(request, state, user, form=fields, problems=problems, status=422)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.filename or "debtors.csv").name
        with path.open("wb") as copy:
            shutil.copyfileobj(upload.file, copy)
        job = ImportJob(
            database=state.settings.database, content_root=state.settings.content.path,
            key=state.settings.key, csv_path=path,
            scenes=tuple((scene.id, weight) for scene, weight in variants), name=name,
            expires_at=expires_at, retention_days=retention, verify=verify,
            skip_invalid=bool(fields.get("skip_invalid")),
        )  # fmt: skip
        result = import_in_process(job)
    if result.campaign_id is None:
        return _new_page(
            request, state, user, form=fields, problems=[], rows=result.problems, status=422,
            read_as=result.read_as,
        )  # fmt: skip
    request.session[IMPORT_SUMMARY] = {"campaign": result.campaign_id, "text": result.summary}
    return RedirectResponse(f"/admin/campaigns/{result.campaign_id}", status_code=303)


def _variants(
    content: ContentRoot, fields: dict[str, str], problems: list[str]
) -> list[tuple[Scene, int]]:
    chosen = []
    for scene_path in content.scene_files():
        weight = fields.get(f"weight_{scene_path.stem}", "").strip()
        if not weight or weight == "0":
            continue
        try:
            scene = load_scene(scene_path, content)
        except ContentError:
            problems.append(f"The scene {scene_path.stem} has errors; run vidpay validate.")
            continue
        if not weight.isdigit():
            problems.append(f"The weight of {scene_path.stem} must be a whole number.")
            continue
        chosen.append((scene, int(weight)))
    if not chosen:
        problems.append("Choose at least one scene (give it a weight).")
    try:
        Requirements.of([scene for scene, _ in chosen]) if chosen else None
    except ValueError as exc:
        problems.append(f"These scenes cannot share one CSV: {exc}.")
    return chosen


def _expiry(text: str, timezone: str, problems: list[str]) -> datetime | None:
    if not text.strip():
        return None
    try:
        day = datetime.fromisoformat(text.strip())
    except ValueError:
        problems.append("The end date of the links is not a date.")
        return None
    return day.replace(hour=23, minute=59, second=59, tzinfo=ZoneInfo(timezone))


def _whole(text: str, problems: list[str]) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        problems.append("The retention period is a whole number of days, at least 1.")
        return DEFAULT_RETENTION_DAYS
    return int(text)


def _new_page(
    request: Request,
    state: StateDep,
    user: Any,
    *,
    form: dict[str, str],
    problems: list[str],
    rows: list[Problem] | None = None,
    status: int = 200,
    read_as: str = "",
) -> Response:
    scenes = _scene_choices(state)
    return admin_page(
        request, state, "new_campaign.html", title="New campaign", user=user, status=status,
        form=form, problems=problems, rows=(rows or [])[:200], more=max(0, len(rows or []) - 200),
        scenes=scenes, read_as=read_as,
    )  # fmt: skip


def _scene_choices(state: StateDep) -> list[dict[str, Any]]:
    """Each scene with the columns its file needs and its weight at first: the friendly
    scene 1 and listed first, the others 0 (a firmer tone is a choice, never the default)."""
    paths = state.settings.content.scene_files()
    stems = [path.stem for path in paths]
    default = DEFAULT_SCENE if DEFAULT_SCENE in stems else (stems[0] if stems else "")
    scenes = []
    for stem in sorted(stems, key=lambda stem: stem != default):  # the default first
        try:
            scene = state.scenes.get(stem).scene
            title, columns = scene.title, Requirements.of(scene).columns
        except (ContentError, SceneNotFoundError):
            title, columns = "(has errors)", []
        weight = "1" if stem == default else "0"
        scenes.append({"id": stem, "title": title, "columns": columns, "weight": weight})
    return scenes


@router.get("/campaigns/template/{scene_id}.csv")
def import_template_csv(scene_id: str, user: CurrentUser, state: StateDep) -> Response:
    """The columns a campaign of this scene needs and one example row, as CSV."""
    need = _template_need(state, scene_id)
    body = template_csv(need.column_kinds, need.languages[0], state.settings.today())
    return Response(
        body, media_type="text/csv; charset=utf-8", headers=_download(f"{scene_id}-debtors.csv")
    )


@router.get("/campaigns/template/{scene_id}.xlsx")
def import_template_xlsx(scene_id: str, user: CurrentUser, state: StateDep) -> Response:
    """The same template as an Excel workbook."""
    need = _template_need(state, scene_id)
    body = template_xlsx(need.column_kinds, need.languages[0], state.settings.today())
    return Response(body, media_type=XLSX, headers=_download(f"{scene_id}-debtors.xlsx"))


def _template_need(state: StateDep, scene_id: str) -> Requirements:
    if scene_id not in {path.stem for path in state.settings.content.scene_files()}:
        raise HTTPException(status_code=404)
    try:
        return Requirements.of(state.scenes.get(scene_id).scene)
    except (ContentError, SceneNotFoundError):
        raise HTTPException(status_code=404) from None


# --- render, links, purge --------------------------------------------------------------------


@router.post("/campaigns/{campaign_id}/render")
def start_render(user: OperatorUser, campaign: CampaignDep, state: StateDep) -> Response:
    """Start a render in the background; the campaign page shows its progress."""
    campaign_id = campaign.id
    with _renders_lock:
        running = _renders.get(campaign_id)
        if running is None or not running.is_alive():
            thread = threading.Thread(
                target=_render, args=(state.sessions, state.settings, campaign_id), daemon=True,
                name=f"vidpay-render-{campaign_id}",
            )  # fmt: skip
            _renders[campaign_id] = thread
            thread.start()
    return RedirectResponse(f"/admin/campaigns/{campaign_id}#render-title", status_code=303)


def _render(sessions: sessionmaker[Session], settings: Settings, campaign_id: int) -> None:
    executor: Executor = (
        CeleryExecutor()
        if settings.render_executor == "celery"
        else LocalExecutor(start="thread")  # this thread is one of the server's
    )
    try:
        render_campaign(
            sessions,
            campaign_id,
            content=settings.content,
            out=settings.media_dir,
            executor=executor,
            today=settings.today(),
        )
    except Exception:  # recorded on the RenderJob, which the page shows
        return


@router.get("/campaigns/{campaign_id}/links.csv")
def links_csv(
    campaign_id: DbId, user: OperatorUser, state: StateDep, session: SessionDep
) -> Response:
    found = _links(session, state.settings, campaign_id)
    text = io.StringIO()
    writer = SafeWriter(text)
    writer.writerow(["reference", "link"])
    writer.writerows(found)
    return Response(
        text.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers=_download(f"campaign-{campaign_id}-links.csv"),
    )


@router.get("/campaigns/{campaign_id}/qr.zip")
def qr_zip(campaign_id: DbId, user: OperatorUser, state: StateDep, session: SessionDep) -> Response:
    found = _links(session, state.settings, campaign_id)
    buffer = io.BytesIO()
    with (
        tempfile.TemporaryDirectory() as folder,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for path in write_qr_codes(found, Path(folder)):
            archive.write(path, path.name)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers=_download(f"campaign-{campaign_id}-qr.zip"),
    )


def _links(session: Session, settings: Settings, campaign_id: int) -> list[tuple[str, str]]:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.purged_at is not None:
        raise HTTPException(status_code=404)
    return list(links(session, campaign_id, key=settings.key, base_url=settings.base_url))


def _download(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


@router.post("/campaigns/{campaign_id}/purge")
def purge(campaign_id: DbId, user: OperatorUser, state: StateDep, form: FormDep) -> Response:
    """Remove the campaign's personal data now; the operator types its name to confirm."""
    confirm = form.get("confirm", "").strip()
    with state.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise HTTPException(status_code=404)
        if confirm != campaign.name:
            raise HTTPException(
                status_code=422, detail="Type the campaign's name to confirm the purge."
            )
    settings = state.settings
    purge_campaign(
        state.sessions, campaign_id, settings.media_dir, documents=settings.documents_dir
    )
    state.callers.forget()
    return RedirectResponse(f"/admin/campaigns/{campaign_id}", status_code=303)
