"""Rendering a campaign ahead of time: every scene's shared segments in each language its
debtors speak (the pictures of personal nodes among them), then every debtor's voice tracks.

No video is encoded per debtor: what a debtor costs is their lines spoken and one small AAC
file per personal node they can reach, with a manifest (:mod:`render.tracks`). The manifests are
the ones the web app looks for (:mod:`app.media`), planned the same way, so a debtor who opens
their link finds everything prepared. A campaign with A/B variants renders each debtor's own
scene. Each shared manifest is written as soon as its segments are there, and the debtors are
prepared once the pictures they need are.

A ``RenderJob`` row follows the render for the admin pages: totals (segments and debtors), then
``done`` (made now or already there) and ``failed``, updated at most about once a second, and
the status at the end. A render killed halfway and started again continues where it was:
segments are content-addressed and written atomically, a debtor's manifest is stamped with what
it says and written last, so finished work is skipped and none is half written; the new job
marks the one it takes over from as interrupted.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.case import Case, case_of, untouched_case
from app.case_values import uses_case_values
from app.db import transaction
from app.media import plan_tracks
from app.models import Campaign, CaseNote, Debtor, Outcome, Payment, RenderJob
from app.models.base import utcnow
from app.scenes import LoadedScene, SceneBook
from render.content import ContentRoot
from render.debtors import DebtorJob, prepared
from render.executors import Executor
from render.pipeline import manifest_path, plan_scene, write_manifest
from render.plan import SegmentPlan
from render.scene import Scene
from render.segment import RenderError, SegmentResult
from render.tts.base import SpeechError

REFRESH = 1.0  # seconds between updates of the RenderJob row
ERROR_LENGTH = 1000  # RenderJob.error


class CampaignNotFoundError(LookupError):
    pass


@dataclass
class RenderCounts:
    """Distinct segments and debtors of a campaign render: ``done`` counts those made now and
    those already there."""

    total: int = 0
    cached: int = 0  # already in the media store
    rendered: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        return self.cached + self.rendered


@dataclass(frozen=True)
class ManifestPlan:
    """One shared manifest: a scene in one language."""

    scene: Scene
    language: str
    plans: dict[str, SegmentPlan]  # node -> plan


@dataclass
class CampaignPlan:
    manifests: list[ManifestPlan] = field(default_factory=list)
    debtors: list[DebtorJob] = field(default_factory=list)

    @property
    def segments(self) -> list[SegmentPlan]:
        """Every distinct segment."""
        unique = {p.key: p for m in self.manifests for p in m.plans.values()}
        return list(unique.values())


@dataclass(frozen=True)
class CampaignRender:
    job_id: int
    counts: RenderCounts
    seconds: float
    manifests: int  # written
    errors: list[str]  # one per failed segment (scene, node, language and what went wrong)


CampaignProgress = Callable[[RenderCounts], None]


def plan_campaign(
    session: Session, campaign_id: int, content: ContentRoot, today: date | None = None
) -> CampaignPlan:
    """The shared manifests of a campaign and their segments, and every debtor's voice tracks,
    planned from its debtors; ``today`` (the creditor's, ``Settings.today``) dates their cases,
    else the UTC date."""
    if session.get(Campaign, campaign_id) is None:
        raise CampaignNotFoundError(f"no campaign {campaign_id}")
    debtors = session.scalars(
        select(Debtor).where(Debtor.campaign_id == campaign_id).order_by(Debtor.id)
    ).all()
    by_scene: defaultdict[str, list[Debtor]] = defaultdict(list)
    for debtor in debtors:
        by_scene[debtor.scene_id].append(debtor)
    book = SceneBook(content)
    plan = CampaignPlan()
    for scene_id, members in by_scene.items():
        loaded = book.get(scene_id)
        scene = loaded.scene
        in_use = {d.language for d in members}
        languages = [lang for lang in scene.languages if lang in in_use]
        # the shared manifests, exactly as `vidpay render` and the web app make them
        shared = plan_scene(scene, content, languages=languages)
        plan.manifests += [ManifestPlan(scene, lang, plans) for lang, plans in shared.items()]
        cases = _cases(session, scene, members, today or datetime.now(UTC).date())
        plan.debtors += _debtors(loaded, members, content, cases, shared)
    return plan


def _cases(session: Session, scene: Scene, debtors: list[Debtor], today: date) -> dict[int, Case]:
    """The debtors' cases, read only when the scene says a case value or starts somewhere
    else for some cases: five queries each for the debtors who have done something, none for
    those who have not (most of a new campaign)."""
    if not uses_case_values(scene) and not scene.entry:
        return {}
    ids = [debtor.id for debtor in debtors]
    active: set[int] = set()
    for table in (Payment, Outcome, CaseNote):
        for chunk in range(0, len(ids), 500):
            wanted = ids[chunk : chunk + 500]
            active.update(
                session.scalars(select(table.debtor_id).where(table.debtor_id.in_(wanted)))
            )
    return {
        debtor.id: case_of(session, debtor, today)
        if debtor.id in active
        else untouched_case(debtor, today)
        for debtor in debtors
    }


def _debtors(
    loaded: LoadedScene,
    debtors: list[Debtor],
    content: ContentRoot,
    cases: dict[int, Case],
    shared: dict[str, dict[str, SegmentPlan]],
) -> list[DebtorJob]:
    """Each debtor's tracks in their language, planned as the web app plans them."""
    pictures = {
        language: {node: p.key for node, p in plans.items() if p.personal}
        for language, plans in shared.items()
    }
    jobs = []
    for debtor in debtors:
        language = debtor.language
        case = cases.get(debtor.id)
        try:
            jobs.append(plan_tracks(loaded, debtor, language, case, pictures[language], content))
        except SpeechError as exc:
            raise RenderError(f"scene {loaded.scene.id}, language {language}: {exc}") from exc
    return jobs


def render_campaign(
    sessions: sessionmaker[Session],
    campaign_id: int,
    *,
    content: ContentRoot,
    out: Path,
    executor: Executor,
    progress: CampaignProgress | None = None,
    refresh: float = REFRESH,
    today: date | None = None,
) -> CampaignRender:
    """Render a campaign's segments and manifests into ``out``, recorded as a ``RenderJob``.

    Segments that fail are counted and reported (``errors``), and the manifests that need them
    are not written; the job then ends ``failed``. Anything else that stops the render (no such
    scene, a broker that cannot be reached, Ctrl-C) marks the job failed and is raised.
    """
    started = time.monotonic()
    content = ContentRoot(content.path.resolve())  # plans name files by absolute path
    out = out.resolve()
    job_id = _start_job(sessions, campaign_id, executor.name)
    recorder = _Recorder(sessions, job_id, refresh)
    counts = RenderCounts()
    errors: list[str] = []
    try:
        with sessions() as session:
            plan = plan_campaign(session, campaign_id, content, today)
        segments = plan.segments
        counts.total = len(segments) + len(plan.debtors)
        recorder.update(counts, force=True)
        if progress:
            progress(counts)
        written = _render(plan, segments, out, executor, counts, errors, recorder, progress)
    except BaseException as exc:
        with suppress(Exception):  # the database may be what failed: raise the real error
            recorder.finish(counts, "failed", _describe(exc))
        raise
    status = "failed" if errors else "finished"
    summary = None
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        summary = errors[0][: ERROR_LENGTH - len(more)] + more
    recorder.finish(counts, status, summary)
    return CampaignRender(job_id, counts, time.monotonic() - started, written, errors)


def _start_job(sessions: sessionmaker[Session], campaign_id: int, executor: str) -> int:
    """A new running ``RenderJob``; one left running by a render that died is marked failed
    (this one continues its work: every finished file is kept)."""
    with transaction(sessions) as session:
        if session.get(Campaign, campaign_id) is None:
            raise CampaignNotFoundError(f"no campaign {campaign_id}")
        job = RenderJob(campaign_id=campaign_id, executor=executor, status="running")
        session.add(job)
        session.flush()
        session.execute(
            update(RenderJob)
            .where(
                RenderJob.campaign_id == campaign_id,
                RenderJob.status == "running",
                RenderJob.id != job.id,
            )
            .values(
                status="failed",
                error=f"interrupted; continued by render job {job.id}",
                finished_at=utcnow(),
            )
        )
        return job.id


def _render(
    plan: CampaignPlan,
    segments: list[SegmentPlan],
    out: Path,
    executor: Executor,
    counts: RenderCounts,
    errors: list[str],
    recorder: _Recorder,
    progress: CampaignProgress | None,
) -> int:
    """Render the segments, writing each manifest once all of its segments are there, then
    prepare the debtors whose pictures are all there."""
    waiting: list[set[str]] = [{p.key for p in m.plans.values()} for m in plan.manifests]
    needed_by: defaultdict[str, list[int]] = defaultdict(list)
    for index, keys in enumerate(waiting):
        for key in keys:
            needed_by[key].append(index)
    results: dict[str, SegmentResult] = {}
    written = 0

    def tick() -> None:
        recorder.update(counts)
        if progress:
            progress(counts)

    with closing(executor.outcomes(segments, out)) as outcomes:
        for outcome in outcomes:
            key = outcome.plan.key
            if outcome.result is None:
                counts.failed += 1
                errors.append(str(outcome.error))
            else:
                results[key] = outcome.result
                if outcome.cached:
                    counts.cached += 1
                else:
                    counts.rendered += 1
                for index in needed_by[key]:
                    waiting[index].discard(key)
                    if not waiting[index]:
                        manifest = plan.manifests[index]
                        write_manifest(manifest.scene, manifest.language, manifest.plans,
                                       results, out)  # fmt: skip
                        written += 1
            tick()
    return written + _prepare(plan.debtors, results, out, executor, counts, errors, tick)


def _prepare(
    jobs: list[DebtorJob],
    pictures: dict[str, SegmentResult],
    out: Path,
    executor: Executor,
    counts: RenderCounts,
    errors: list[str],
    tick: Callable[[], None],
) -> int:
    """Prepare the debtors not prepared yet; one whose picture failed is counted failed."""
    missing = []
    for job in jobs:
        if any(track.picture not in pictures for track in job.tracks):
            counts.failed += 1
            errors.append(f"scene {job.scene_id}, debtor {job.reference}: a picture failed")
        elif prepared(job, out) is not None:
            counts.cached += 1
        else:
            missing.append(job)
    tick()
    written = 0
    with closing(executor.prepare(missing, out)) as batches:
        for batch in batches:
            for error in batch.errors:
                if error is None:
                    counts.rendered += 1
                    written += 1
                else:
                    counts.failed += 1
                    errors.append(error)
            tick()
    return written


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return (str(exc) or type(exc).__name__)[:ERROR_LENGTH]


class _Recorder:
    """Keeps the RenderJob row up to date, writing at most once per ``refresh`` seconds."""

    def __init__(self, sessions: sessionmaker[Session], job_id: int, refresh: float) -> None:
        self.sessions = sessions
        self.job_id = job_id
        self.refresh = refresh
        self.last = float("-inf")

    def update(self, counts: RenderCounts, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= self.refresh:
            self._write(counts)
            self.last = now

    def finish(self, counts: RenderCounts, status: str, error: str | None) -> None:
        self._write(counts, status=status, error=error, finished_at=utcnow())

    def _write(self, counts: RenderCounts, **more: str | datetime | None) -> None:
        with transaction(self.sessions) as session:
            session.execute(
                update(RenderJob)
                .where(RenderJob.id == self.job_id)
                .values(
                    total=counts.total,
                    done=counts.done,
                    failed=counts.failed,
                    updated_at=utcnow(),
                    **more,
                )
            )


def rendered_languages(
    session: Session, campaign_id: int, media_dir: Path
) -> tuple[list[str], list[str]]:
    """The scene/language pairs the campaign's debtors use whose shared videos are on disk,
    and those still missing, as ``"arrears/nl"``. A campaign's videos are often made without
    a render job (``vidpay render``, ``make run``, or the first debtor opening a link), so
    the admin page looks at the files instead of saying "not rendered yet" while they play."""
    pairs = session.execute(
        select(Debtor.scene_id, Debtor.language)
        .where(Debtor.campaign_id == campaign_id)
        .distinct()
        .order_by(Debtor.scene_id, Debtor.language)
    )
    ready: list[str] = []
    missing: list[str] = []
    for scene_id, language in pairs:
        found = manifest_path(media_dir, scene_id, language).is_file()
        (ready if found else missing).append(f"{scene_id}/{language}")
    return ready, missing
