"""Commands for rendering campaigns: ``vidpay campaign render`` and the render ``worker``.

``vidpay campaign render ID --executor celery`` sends every segment to the workers started with
``vidpay worker`` (on this machine or others) through the broker ``VIDPAY_BROKER_URL``. Workers
on other machines must see the content root and the media folder at the same paths as the
machine that runs ``campaign render`` (see ``render/celery_app.py``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.cli._base import CampaignId, RootOption, app, content_root, fail_usage
from app.cli.operations import _database, campaign_app
from app.config import Settings
from render.content import SceneNotFoundError
from render.problems import ContentError
from render.segment_render import RenderError

if TYPE_CHECKING:
    from app.rendering import RenderCounts
    from render.executors import Executor

EXECUTORS = ("local", "celery")


@campaign_app.command("render")
def campaign_render(
    campaign_id: CampaignId,
    root: RootOption = Path(),
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", min=1, help="Parallel renders, local executor (default: all cores)."
        ),
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="local: a process pool here; celery: `vidpay worker`s (VIDPAY_BROKER_URL).",
        ),
    ] = "local",
) -> None:
    """Render a campaign's segments and manifests: the shared ones in every language its debtors
    speak, and every debtor's personal ones. Finished segments are skipped, so running it again
    continues an interrupted render."""
    from app.rendering import CampaignNotFoundError, render_campaign
    from render.executors import CeleryExecutor, LocalExecutor

    if executor not in EXECUTORS:
        raise fail_usage(f"unknown executor '{executor}'; use {' or '.join(EXECUTORS)}")
    if jobs is not None and executor != "local":
        raise fail_usage("--jobs is for the local executor; a worker's --concurrency sets yours")
    content = content_root(root)
    settings = Settings(root=root)
    console = Console(stderr=True)
    chosen: Executor
    if executor == "celery":
        chosen = CeleryExecutor()
        if not chosen.workers():
            typer.echo(
                f"vidpay: no render worker is consuming queue '{chosen.queue}' yet; segments "
                "wait there until one starts (`vidpay worker`)",
                err=True,
            )
    else:
        chosen = LocalExecutor(jobs)
    sessions = _database(settings)
    started = time.monotonic()
    with Progress(
        TextColumn(f"rendering campaign {campaign_id}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("", total=None, note="")

        def show(counts: RenderCounts) -> None:
            # the bar counts the segments to render, so the ETA is not skewed by cached ones
            note = f"{counts.cached} already there" + (
                f", {counts.failed} failed" if counts.failed else ""
            )
            bar.update(
                task,
                completed=counts.rendered + counts.failed,
                total=counts.total - counts.cached,
                note=note,
            )

        try:
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
            bar.stop()
            raise fail_usage(str(exc)) from exc
        except (RenderError, ContentError, SceneNotFoundError) as exc:
            bar.stop()
            typer.echo(f"vidpay: {exc}", err=True)
            raise typer.Exit(1) from exc
        finally:
            engine = sessions.kw.get("bind")
            if engine is not None:
                engine.dispose()
    for error in done.errors:
        typer.echo(f"vidpay: {error}", err=True)
    counts = done.counts
    typer.echo(
        f"campaign {campaign_id}: {counts.rendered} segments rendered, {counts.cached} already "
        f"there, {counts.failed} failed in {time.monotonic() - started:.1f} s"
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
