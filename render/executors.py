"""Executors: who renders a batch of planned segments, a local process pool or Celery workers.

Every executor skips the segments already in the media store (a file check here, before
anything is sent), renders the others, and reports each segment as it finishes: ``outcomes``
yields them one by one, in the order they finish; ``run`` collects them into results keyed by
plan key, calling ``progress(done, total)`` on the way, and raises :class:`SegmentsFailedError`
(naming the scene, node and language of each failed segment) once everything else is done.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, ClassVar, Literal

from render.audio import load_dsp
from render.cache import MediaStore
from render.debtors import DebtorJob, prepare_batch
from render.plan import SegmentPlan
from render.segment import RenderError, SegmentResult, render_segment, segment_files

Progress = Callable[[int, int], None]  # (done, total)
BATCH = 25  # debtors per task: a task's overhead is spread over their few tens of milliseconds


@dataclass(frozen=True)
class Batch:
    """Debtors prepared: their jobs, and per job None or what went wrong."""

    jobs: list[DebtorJob]
    errors: list[str | None]


@dataclass(frozen=True)
class SegmentOutcome:
    """One segment done: its result (``cached`` when it was in the store already) or its error."""

    plan: SegmentPlan
    result: SegmentResult | None = None
    error: RenderError | None = None
    cached: bool = False


class SegmentsFailedError(RenderError):
    """Some segments could not be rendered; the message is the first one's (scene, node,
    language and what failed), ``failures`` has every one by plan key, ``results`` the rest."""

    def __init__(
        self, failures: Mapping[str, RenderError], results: Mapping[str, SegmentResult]
    ) -> None:
        more = len(failures) - 1
        message = str(next(iter(failures.values())))
        if more:
            message += f" (and {more} more failed segment{'s' if more > 1 else ''})"
        super().__init__(message)
        self.failures = dict(failures)
        self.results = dict(results)


def unique_plans(plans: Iterable[SegmentPlan]) -> list[SegmentPlan]:
    """One plan per key, the longest first: the last segment to finish is then a short one."""
    unique = {plan.key: plan for plan in plans}
    return sorted(unique.values(), key=_expected_length, reverse=True)


def _expected_length(plan: SegmentPlan) -> float:
    return sum(len(shot.voice.text) / 15 if shot.voice else shot.pause for shot in plan.shots)


def where(plan: SegmentPlan) -> str:
    return f"scene {plan.scene_id}, node {plan.node_id}, language {plan.language}"


class Executor(ABC):
    """Renders segment plans into a media folder (``out``)."""

    name: ClassVar[str]

    def outcomes(
        self, plans: Iterable[SegmentPlan], out: Path
    ) -> Generator[SegmentOutcome, None, None]:
        """Each distinct segment as it is done: the ones in the store first, then the others
        as they finish. Closing the iterator early cancels what has not started."""
        store = MediaStore(out)
        missing = []
        for plan in unique_plans(plans):
            if store.has("segments", plan.key, segment_files(plan)):
                yield SegmentOutcome(
                    plan, render_segment(plan, out), cached=True
                )  # reads its sidecar
            else:
                missing.append(plan)
        if missing:
            out.mkdir(parents=True, exist_ok=True)
            yield from self._render(missing, out)

    @abstractmethod
    def _render(self, plans: list[SegmentPlan], out: Path) -> Iterator[SegmentOutcome]:
        """Render segments that are not in the store, yielding each as it finishes."""

    def prepare(self, jobs: list[DebtorJob], out: Path) -> Generator[Batch, None, None]:
        """Prepare debtors' voice tracks in batches, yielding each batch as it finishes."""
        batches = [jobs[i : i + BATCH] for i in range(0, len(jobs), BATCH)]
        if batches:
            out.mkdir(parents=True, exist_ok=True)
            yield from self._prepare(batches, out)

    @abstractmethod
    def _prepare(self, batches: list[list[DebtorJob]], out: Path) -> Iterator[Batch]:
        """Prepare each batch, yielding it as it finishes."""

    def run(
        self, plans: Iterable[SegmentPlan], out: Path, progress: Progress | None = None
    ) -> dict[str, SegmentResult]:
        """Render every distinct segment; key -> result. ``SegmentsFailedError`` if any failed."""
        unique = unique_plans(plans)
        results: dict[str, SegmentResult] = {}
        failures: dict[str, RenderError] = {}
        for done, outcome in enumerate(self.outcomes(unique, out), start=1):
            if outcome.result is not None:
                results[outcome.plan.key] = outcome.result
            elif outcome.error is not None:
                failures[outcome.plan.key] = outcome.error
            if progress:
                progress(done, len(unique))
        if failures:
            raise SegmentsFailedError(failures, results)
        return results


class LocalExecutor(Executor):
    """A pool of ``jobs`` processes on this machine (default: one per core).

    ``start="fork"`` (the command line): worker processes that inherit what this process
    imported. ``start="thread"`` (the web server): threads, because forking a process that has
    threads of its own can copy a lock another thread holds at that moment, and a fresh
    interpreter (spawn, forkserver) re-runs the server's main module. Threads lose little here:
    the work is in ffmpeg, and espeak is called under a lock.
    """

    name = "local"

    def __init__(
        self, jobs: int | None = None, *, start: Literal["fork", "thread"] = "fork"
    ) -> None:
        self.jobs = jobs
        self.start = start

    def _render(self, plans: list[SegmentPlan], out: Path) -> Iterator[SegmentOutcome]:
        load_dsp()  # import once here, so workers inherit it or share it
        workers = max(1, min(self.jobs or os.cpu_count() or 1, len(plans)))
        threads = max(1, (os.cpu_count() or 1) // workers)
        if workers == 1:
            for plan in plans:
                try:
                    yield SegmentOutcome(plan, render_segment(plan, out, threads=threads))
                except RenderError as exc:
                    yield SegmentOutcome(plan, error=exc)
            return
        pool = self._pool(workers)
        try:
            futures = {
                pool.submit(render_segment, plan, out, threads=threads): plan for plan in plans
            }
            for future in as_completed(futures):
                error = future.exception()
                if error is None:
                    yield SegmentOutcome(futures[future], future.result())
                elif isinstance(error, RenderError):
                    yield SegmentOutcome(futures[future], error=error)
                else:
                    raise error
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _prepare(self, batches: list[list[DebtorJob]], out: Path) -> Iterator[Batch]:
        load_dsp()
        workers = max(1, min(self.jobs or os.cpu_count() or 1, len(batches)))
        if workers == 1:
            for batch in batches:
                yield Batch(batch, prepare_batch(batch, out))
            return
        with self._pool(workers) as pool:
            futures = {pool.submit(prepare_batch, batch, out): batch for batch in batches}
            for future in as_completed(futures):
                yield Batch(futures[future], future.result())

    def _pool(self, workers: int) -> ThreadPoolExecutor | ProcessPoolExecutor:
        if self.start == "thread":
            return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vidpay-render")
        return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"))


class CeleryExecutor(Executor):
    """Celery workers (``vidpay worker``) on the broker ``broker_url`` (default
    ``VIDPAY_BROKER_URL``), through the queue ``queue`` (default ``VIDPAY_RENDER_QUEUE``).

    The media folder ``out`` must be shared with the workers at the same path, and so must the
    content root the plans were made from (see :mod:`render.celery_app`). Segments wait in the
    queue until a worker takes them; ``timeout`` (seconds, default none) bounds the wait for all
    of them.
    """

    name = "celery"

    def __init__(
        self,
        broker_url: str | None = None,
        *,
        queue: str | None = None,
        timeout: float | None = None,
        poll: float = 0.1,
    ) -> None:
        from render.celery_app import broker_url as default_broker
        from render.celery_app import render_queue

        self.broker_url = broker_url or default_broker()
        self.queue = queue or render_queue()
        self.timeout = timeout
        self.poll = poll

    def workers(self, timeout: float = 1.0) -> list[str]:
        """The names of the workers that answer within ``timeout`` and consume the queue."""
        from render.celery_app import make_app

        celery = make_app(self.broker_url, self.queue)
        try:
            with celery.connection_for_write() as connection:
                inspect = celery.control.inspect(timeout=timeout, connection=connection)
                replies = inspect.active_queues() or {}
        finally:
            _close(celery)
        return sorted(
            name
            for name, queues in replies.items()
            if any(q.get("name") == self.queue for q in queues)
        )

    def _render(self, plans: list[SegmentPlan], out: Path) -> Iterator[SegmentOutcome]:
        from render.celery_app import TASK

        what = [where(plan) for plan in plans]
        for index, meta in self._tasks(TASK, [(plan, str(out)) for plan in plans], what):
            yield _outcome(plans[index], meta, out)

    def _prepare(self, batches: list[list[DebtorJob]], out: Path) -> Iterator[Batch]:
        from celery import states

        from render.celery_app import PREPARE_TASK

        what = [f"scene {b[0].scene_id}, debtor {b[0].reference}" for b in batches]
        for index, meta in self._tasks(PREPARE_TASK, [(b, str(out)) for b in batches], what):
            batch = batches[index]
            if meta["status"] == states.SUCCESS:
                yield Batch(batch, list(meta["result"]))
            else:
                error = meta.get("result")
                described = f"{type(error).__name__}: {error}" if error else meta["status"]
                yield Batch(batch, [f"{what[index]}: {described}"] * len(batch))

    def _tasks(
        self, name: str, arguments: list[tuple[Any, str]], what: list[str]
    ) -> Iterator[tuple[int, Mapping[str, Any]]]:
        """Send one task per argument tuple; yield (index, result meta) as each finishes."""
        from celery.exceptions import TimeoutError as CeleryTimeout
        from celery.result import ResultSet

        from render.celery_app import make_app

        celery = make_app(self.broker_url, self.queue)
        connection = celery.connection_for_write()  # its own: kombu's pools are process-wide
        pending: dict[str, int] = {}
        sent = []
        try:
            with celery.amqp.Producer(connection) as producer:
                for index, args in enumerate(arguments):
                    task = celery.send_task(name, args=args, queue=self.queue, producer=producer)
                    pending[task.id] = index
                    sent.append(task)
            # results come back through Redis pub/sub, each as soon as its task is done
            finished = ResultSet(sent, app=celery).iter_native(
                timeout=self.timeout, interval=self.poll
            )
            try:
                for task_id, meta in finished:
                    index = pending.pop(task_id)
                    celery.backend.forget(task_id)
                    yield index, meta
            except CeleryTimeout as exc:
                raise RenderError(
                    f"{what[next(iter(pending.values()))]}: no result from the render workers "
                    f"after {self.timeout:g} s ({len(pending)} tasks still waiting in queue "
                    f"'{self.queue}'); is `vidpay worker` running?"
                ) from exc
        finally:
            if pending:  # interrupted: the workers need not do what nobody waits for
                with suppress(Exception):  # best effort, the broker may be what failed
                    celery.control.revoke(list(pending), connection=connection)
                    for task_id in pending:
                        celery.backend.forget(task_id)
            for task in sent:
                task.backend = None  # else a result collected later reopens the closed pub/sub
            connection.close()
            _close(celery)


def _outcome(plan: SegmentPlan, meta: Mapping[str, Any], out: Path) -> SegmentOutcome:
    from celery import states

    if meta["status"] == states.SUCCESS:
        result: SegmentResult = meta["result"]
        if not (out / result.video).is_file():
            message = (
                f"{where(plan)}: a worker rendered it, but {out / result.video} is not here; "
                "the media folder must be shared with the workers at the same path"
            )
            return SegmentOutcome(plan, error=RenderError(message))
        return SegmentOutcome(plan, result)
    error = meta.get("result")
    if isinstance(error, RenderError) and str(error).startswith(where(plan)):
        return SegmentOutcome(plan, error=error)
    described = f"{type(error).__name__}: {error}" if error else meta["status"]
    failure = RenderError(f"{where(plan)}: {described}")
    if isinstance(error, BaseException):
        failure.__cause__ = error
    return SegmentOutcome(plan, error=failure)


def _close(celery: Any) -> None:
    """Close the app's result connections (an executor's app lives for one run); broker
    connections were the caller's own."""
    backend = celery._backend  # None unless results were asked for
    if backend is not None:
        consumer = getattr(backend, "result_consumer", None)
        if consumer is not None:
            consumer.stop()
        backend.client.connection_pool.disconnect()
    celery.close()
