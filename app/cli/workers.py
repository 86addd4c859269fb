"""Commands for rendering campaigns: ``vidpay campaign render`` and the render ``worker``.

``campaign render`` is here rather than with the other campaign commands in
:mod:`app.cli.campaign`, which would then pass 400 lines; it is the other end of the
``worker``'s queue, and ``--executor`` and ``--jobs`` read best beside ``--concurrency``.

``vidpay campaign render ID --executor celery`` sends every segment to the workers started with
``vidpay worker`` (on this machine or others) through the broker ``VIDPAY_BROKER_URL``. Workers
on other machines must see the content root and the media folder at the same paths as the
machine that runs ``campaign render`` (see ``render/celery_app.py``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

from app.cli._base import (
    PROBLEMS,
    CampaignId,
    RootOption,
    app,
    campaign_app,
    content_root,
    database,
    fail,
    progress_bar,
    warn,
)
from app.config import Settings
from render.content import SceneNotFoundError
from render.problems import ContentError
from render.segment import RenderError

if TYPE_CHECKING:
    from app.rendering import CampaignRender, RenderCounts
    from render.executors import Executor

EXECUTORS = ("local", "celery")
JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", min=1, help="Parallel renders, local executor (default: all cores)."),
]
ExecutorOption = Annotated[
    str,
    typer.Option(
        "--executor",
        help="local: a process pool here; celery: `vidpay worker`s (VIDPAY_BROKER_URL).",
    ),
]


@campaign_app.command("render")
def campaign_render(
    campaign_id: CampaignId,
    root: RootOption = Path(),
    jobs: JobsOption = None,
    executor: ExecutorOption = "local",
) -> None:
    """Render a campaign's segments and manifests: the shared ones in every language its debtors
    speak, and every debtor's personal ones. Finished segments are skipped, so running it again
    continues an interrupted render."""
    from app.rendering import CampaignNotFoundError, render_campaign

    _check_executor(executor, jobs)
    content = content_root(root)
    settings = Settings(root=root)
    chosen = _executor(executor, jobs)
    with database(settings, pooled=True) as sessions:
        started = time.monotonic()
        try:
            with _render_progress(campaign_id) as show:
                done = render_campaign(
                    sessions,
                    campaign_id,
                    content=content,
                    out=settings.media_dir,
                    executor=chosen,
                    progress=show,
                    today=settings.today(),
                )
        except CampaignNotFoundError as exc:
            raise fail(str(exc)) from exc
        except (RenderError, ContentError, SceneNotFoundError) as exc:
            raise fail(str(exc), code=PROBLEMS) from exc
    _summary(campaign_id, done, time.monotonic() - started)


def _check_executor(executor: str, jobs: int | None) -> None:
    """Options that do not fit are refused before anything is rendered or queued."""
    if executor not in EXECUTORS:
        raise fail(f"unknown executor '{executor}'; use {' or '.join(EXECUTORS)}")
    if jobs is not None and executor != "local":
        raise fail("--jobs is for the local executor; a worker's --concurrency sets yours")


def _executor(name: str, jobs: int | None) -> Executor:
    """With no worker on the queue a celery render would seem to hang: say so, and why."""
    from render.executors import CeleryExecutor, LocalExecutor

    if name != "celery":
        return LocalExecutor(jobs)
    chosen = CeleryExecutor()
    if not chosen.workers():
        warn(
            f"no render worker is consuming queue '{chosen.queue}' yet; segments "
            "wait there until one starts (`vidpay worker`)"
        )
    return chosen


@contextmanager
def _render_progress(campaign_id: int) -> Iterator[Callable[[RenderCounts], None]]:
    """The bar counts the segments to render, so the ETA is not skewed by cached ones."""
    with progress_bar(
        TextColumn(f"rendering campaign {campaign_id}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
    ) as bar:
        task = bar.add_task("", total=None, note="")

        def show(counts: RenderCounts) -> None:
            failed = f", {counts.failed} failed" if counts.failed else ""
            bar.update(
                task,
                completed=counts.rendered + counts.failed,
                total=counts.total - counts.cached,
                note=f"{counts.cached} already there{failed}",
            )

        yield show


def _summary(campaign_id: int, done: CampaignRender, seconds: float) -> None:
    """Every failed segment is told, and the exit is 1 when any failed: a rerun renders them."""
    for error in done.errors:
        warn(error)
    counts = done.counts
    typer.echo(
        f"campaign {campaign_id}: {counts.rendered} segments rendered, {counts.cached} already "
        f"there, {counts.failed} failed in {seconds:.1f} s"
    )
    if counts.failed:
        raise typer.Exit(1)


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option("--concurrency", "-c", min=1, help="Segments at once (default: all cores)."),
    ] = None,
    root: RootOption = Path(),
    queue: Annotated[
        str | None,
        typer.Option(
            "--queue", help="The queue (default: VIDPAY_RENDER_QUEUE, else vidpay.render)."
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads", min=1, help="Encoder threads per segment (default: cores / concurrency)."
        ),
    ] = None,
) -> None:
    """Start a render worker: renders the segments that `vidpay campaign render --executor
    celery` sends through the broker (VIDPAY_BROKER_URL, default redis://127.0.0.1:6379/0).

    It must see the content root and the media folder at the same paths as the machine that
    runs `campaign render`. Stop it with Ctrl-C or SIGTERM: it finishes its segments first."""
    from render.celery_app import broker_url, make_app, render_queue, set_threads

    content = content_root(root)
    name = queue or render_queue()
    celery = make_app(broker_url(), name)
    if threads:
        set_threads(threads)
    typer.echo(f"render worker for content root {content.path.resolve()}, queue '{name}'", err=True)
    argv = [
        "worker",
        f"--queues={name}",
        f"--hostname=render-{os.getpid()}@%h",  # unique, for several workers on one machine
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    celery.worker_main(argv)
