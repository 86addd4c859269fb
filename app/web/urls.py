"""The debtor's addresses, in one place: a node in the player or the text version, a step."""

from __future__ import annotations


def node_url(token: str, language: str, node: str, *, mode: str = "video") -> str:
    """Where a debtor continues at ``node``: the video player, or the text version."""
    page = "/text" if mode == "text" else ""
    return f"/v/{token}{page}?lang={language}&node={node}"


def step_url(token: str, language: str, node: str, *, mode: str = "video") -> str:
    return f"/v/{token}/step/{node}?lang={language}&mode={mode}"


def agreed_url(
    token: str,
    language: str,
    *,
    mode: str = "video",
    after: str | None = None,
    calendar: bool = False,
    receipt: bool = False,
) -> str:
    """The confirmation of what the debtor agreed (``calendar``: its dates as an .ics file;
    ``receipt``: the PDF receipt)."""
    if calendar:
        return f"/v/{token}/agreed.ics?lang={language}"
    if receipt:
        return f"/v/{token}/agreed.pdf?lang={language}"
    then = f"&next={after}" if after else ""
    return f"/v/{token}/agreed?lang={language}&mode={mode}{then}"


def reported_url(
    token: str, language: str, *, mode: str = "video", after: str | None = None
) -> str:
    """The confirmation of a payment the debtor reported ("I already paid")."""
    then = f"&next={after}" if after else ""
    return f"/v/{token}/reported?lang={language}&mode={mode}{then}"


def personal_video_url(token: str, language: str, node: str, tag: str) -> str:
    """A personal node's video for this debtor; ``tag`` changes when what it says changes, so
    a browser never plays a copy it kept of what the debtor heard before."""
    return f"/v/{token}/video/{language}/{node}.mp4?v={tag}"


def track_url(token: str, language: str, node: str) -> str:
    """A personal node's video, captions and texts for this debtor, prepared when asked for."""
    return f"/v/{token}/track/{language}/{node}.json"


def player_url(token: str, language: str | None = None) -> str:
    """A debtor's own page: the player where their case starts (in ``language``)."""
    return f"/v/{token}?lang={language}" if language else f"/v/{token}"


def text_url(token: str, language: str) -> str:
    """The text version from where the debtor's case starts them."""
    return f"/v/{token}/text?lang={language}"


def real_url(token: str, language: str) -> str:
    """The page "Is this message real?": how to check the link, and the phone number."""
    return f"/v/{token}/real?lang={language}"


def manifest_template(token: str) -> str:
    """The player's manifests, ``{lang}`` left for the player to fill in."""
    return f"/v/{token}/manifest/{{lang}}.json"


def events_url(token: str) -> str:
    """Where the player sends what happens (web/player_events.py)."""
    return f"/api/v1/sessions/{token}/events"


def payment_return_url(token: str, language: str, node: str, mode: str) -> str:
    """Where the payment provider sends the debtor back to, after the checkout."""
    return f"/v/{token}/step/{node}/return?lang={language}&mode={mode}"


def payment_webhook_path(provider: str) -> str:
    """Where a payment provider reports a status change (web/payments.py)."""
    return f"/webhooks/payments/{provider}"


def absolute(base_url: str, path: str) -> str:
    """An address of ours in full (``VIDPAY_BASE_URL``), for a message, a calendar or a
    provider that links back."""
    return base_url.rstrip("/") + path


def link_url(base_url: str, token: str) -> str:
    """A debtor's personal link, in full, as a message or a letter carries it."""
    return absolute(base_url, player_url(token))


def unsubscribe_url(token: str, channel: str) -> str:
    """Where a debtor stops the messages of one channel (an e-mail's unsubscribe link)."""
    return f"/v/{token}/unsubscribe?channel={channel}"
