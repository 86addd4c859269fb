"""What the campaign page and its progress bar say about a campaign's render: a render
job's progress, or, with no job, what the media folder holds."""

from __future__ import annotations

from typing import Any

from app.models import RenderJob


def render_status(
    job: RenderJob | None, files: tuple[list[str], list[str]] = ([], [])
) -> dict[str, Any]:
    if job is None:
        return files_status(*files)
    share = round(100 * job.done / job.total) if job.total else 0
    if job.status == "running":
        label = f"Rendering: {job.done:,} of {job.total:,} segments ({share}%)"
    elif job.status == "finished":
        label = f"Rendered: {job.done:,} of {job.total:,} segments"
    else:
        label = f"The render failed after {job.done:,} of {job.total:,} segments"
    if job.failed:
        label += f", {job.failed:,} failed"
    return {
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "failed": job.failed,
        "percent": share,
        "label": label + ".",
        "error": job.error,
    }


def files_status(ready: list[str], missing: list[str]) -> dict[str, Any]:
    """No render job: what the media folder holds (see ``rendered_languages``)."""
    later = "personal parts are prepared when a debtor opens the link"
    if ready and not missing:
        status, label = "ready", f"Rendered: {', '.join(ready)}; {later}."
    elif ready:
        status = "partial"
        label = (
            f"Rendered: {', '.join(ready)}. Not yet: {', '.join(missing)} (made when the "
            "first debtor opens the link, or now with Render now)."
        )
    else:
        status, label = "none", "Not rendered yet."
    return {"status": status, "done": 0, "total": 0, "failed": 0, "percent": 0,
            "label": label, "error": None}  # fmt: skip
