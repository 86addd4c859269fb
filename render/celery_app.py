"""The Celery app of the render workers: ``vidpay.render_segment`` renders one segment,
``vidpay.prepare_debtors`` prepares a batch of debtors' voice tracks.

A worker imports ``render`` only, never ``app``: start one with ``vidpay worker`` or with
``celery -A render.celery_app worker -Q vidpay.render``. The broker (Redis) also keeps the
results: ``VIDPAY_BROKER_URL``, default ``redis://127.0.0.1:6379/0``; the queue is
``VIDPAY_RENDER_QUEUE``, default ``vidpay.render``.

What a deployment must share with its workers:

- **The content root and the media folder, at the same paths.** A plan names its files by
  absolute path (the content root's scenes, recordings, images and fonts, and this project's
  bundled icons and fonts), and the task writes into the media folder the caller names. Every
  worker mounts both where the planning machine has them (NFS, a cluster file system, a shared
  volume); the worker refuses a plan whose content root or media folder it cannot see, rather
  than render into a folder nobody reads.
- **The same vidpay version.** Plans travel pickled, as the dataclasses they are.
- **A private broker.** See the note on pickle in :func:`make_app`.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import worker_init

from render.audio import load_dsp
from render.debtors import DebtorJob, prepare_batch
from render.plan import SegmentPlan
from render.segment import RenderError, SegmentResult, render_segment

BROKER_ENV = "VIDPAY_BROKER_URL"
QUEUE_ENV = "VIDPAY_RENDER_QUEUE"
THREADS_ENV = "VIDPAY_RENDER_THREADS"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
DEFAULT_QUEUE = "vidpay.render"
TASK = "vidpay.render_segment"
PREPARE_TASK = "vidpay.prepare_debtors"
TIME_LIMIT = 30 * 60  # seconds; a segment takes seconds, so only a hung encoder gets here

_threads = 0  # encoder threads per segment; set when the worker starts (0: ffmpeg decides)


def broker_url() -> str:
    return os.environ.get(BROKER_ENV) or DEFAULT_BROKER


def render_queue() -> str:
    return os.environ.get(QUEUE_ENV) or DEFAULT_QUEUE


def make_app(broker: str | None = None, queue: str | None = None) -> Celery:
    """A Celery app on ``broker`` (default ``VIDPAY_BROKER_URL``) with the render task."""
    url = broker or broker_url()
    celery = Celery("vidpay", broker=url, backend=url, set_as_current=False)
    celery.conf.update(
        # Pickle, and nothing else. These are internal tasks: the caller sends plans it made
        # itself, and a plan is a tree of dataclasses, paths, decimals and a pydantic model that
        # JSON would need a codec for (the result and a task's exception come back the same
        # way). Unpickling can run code, so whoever can write to the broker can run code on the
        # workers and the caller: the broker must be reachable by vidpay only (a password in
        # the URL, a private network). Celery also refuses to run a pickle worker as root.
        task_serializer="pickle",
        result_serializer="pickle",
        accept_content=["pickle"],
        result_accept_content=["pickle"],
        task_default_queue=queue or render_queue(),
        # A worker takes one segment at a time, so a long one does not hold others back, and
        # acknowledges it when done: a segment whose worker died is rendered again (rendering
        # is idempotent: content-addressed files, written atomically).
        worker_prefetch_multiplier=1,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_time_limit=TIME_LIMIT,
        result_expires=3600,  # the caller deletes each result once read; this is a backstop
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    celery.task(name=TASK, shared=False)(render_task)
    celery.task(name=PREPARE_TASK, shared=False)(prepare_task)
    return celery


def render_task(plan: SegmentPlan, out: str) -> SegmentResult:
    """Render one segment into the shared media folder ``out``; where its files are."""
    media = Path(out)
    for what, folder in (("content root", plan.root), ("media folder", media)):
        if not folder.is_dir():
            raise RenderError(
                f"scene {plan.scene_id}, node {plan.node_id}, language {plan.language}: the "
                f"{what} {folder} is not on this worker ({socket.gethostname()}); it must be "
                "shared with the workers at the same path"
            )
    return render_segment(plan, media, threads=_threads)


def prepare_task(jobs: list[DebtorJob], out: str) -> list[str | None]:
    """Prepare a batch of debtors' voice tracks into the shared media folder ``out``."""
    media = Path(out)
    if not media.is_dir():
        where = f"scene {jobs[0].scene_id}, debtor {jobs[0].reference}" if jobs else "debtors"
        raise RenderError(
            f"{where}: the media folder {media} is not on this worker "
            f"({socket.gethostname()}); it must be shared with the workers at the same path"
        )
    return prepare_batch(jobs, media)


def set_threads(threads: int) -> None:
    """Encoder threads per segment for this worker (before it starts its processes)."""
    global _threads
    _threads = threads


def _prepare_worker(sender: Any = None, **_: Any) -> None:
    """Before the worker forks its processes: load the signal processing once, and share the
    cores between the segments rendered at once (unless told otherwise)."""
    if getattr(getattr(sender, "app", None), "main", None) != "vidpay":
        return
    load_dsp()
    if _threads == 0:
        wanted = os.environ.get(THREADS_ENV)
        concurrency = max(1, int(getattr(sender, "concurrency", 0) or 1))
        set_threads(int(wanted) if wanted else max(1, (os.cpu_count() or 1) // concurrency))


worker_init.connect(_prepare_worker)
app = make_app()  # for ``celery -A render.celery_app worker``
