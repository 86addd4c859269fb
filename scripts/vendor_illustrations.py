"""Vendor the illustrations the videos are drawn with: Microsoft's Fluent Emoji (flat style,
MIT), from the npm package ``@iconify-json/fluent-emoji-flat``.

Run by hand when the set changes, never at render time (a render must not need the network):

    cd /tmp && npm pack @iconify-json/fluent-emoji-flat@1.2.6 && tar xzf iconify-json-*.tgz
    python scripts/vendor_illustrations.py /tmp/package

It writes ``static/illustrations/art/<name>.svg`` for every name in ``ART`` and nothing else:
the renderer reads those files, the licence is in ``static/illustrations/LICENSE``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "static" / "illustrations" / "art"
ART = [
    "alarm-clock",
    "bank",
    "bell",
    "calendar",
    "check-mark-button",
    "clipboard",
    "coin",
    "credit-card",
    "electric-plug",
    "envelope",
    "envelope-with-arrow",
    "euro-banknote",
    "glowing-star",
    "handshake",
    "head-shaking-vertically",
    "high-voltage",
    "hourglass-done",
    "hourglass-not-done",
    "house",
    "house-with-garden",
    "hugging-face",
    "key",
    "light-bulb",
    "magnifying-glass-tilted-left",
    "memo",
    "mobile-phone",
    "money-bag",
    "office-building",
    "open-mailbox-with-raised-flag",
    "page-facing-up",
    "party-popper",
    "people-hugging",
    "person-gesturing-ok",
    "person-raising-hand",
    "person-tipping-hand",
    "purse",
    "receipt",
    "red-heart",
    "shield",
    "slightly-smiling-face",
    "smiling-face",
    "sparkles",
    "speech-balloon",
    "spiral-calendar",
    "tear-off-calendar",
    "telephone-receiver",
    "thumbs-up",
    "waving-hand",
    "balance-scale",
]


def main(package: Path) -> None:
    data = json.loads((package / "icons.json").read_text(encoding="utf-8"))
    width, height = data.get("width", 16), data.get("height", 16)
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in ART:
        icon = data["icons"][name]
        box = f"0 0 {icon.get('width', width)} {icon.get('height', height)}"
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{box}">{icon["body"]}</svg>\n'
        (TARGET / f"{name}.svg").write_text(svg, encoding="utf-8")
    print(f"wrote {len(ART)} illustrations to {TARGET}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
