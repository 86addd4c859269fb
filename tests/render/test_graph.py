from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from render.content import ContentRoot
from render.graph import to_dot, to_mermaid, to_svg
from render.scene import Scene
from render.validate import load_scene

SVG = "{http://www.w3.org/2000/svg}"


def _arrears(bundled: ContentRoot) -> Scene:
    return load_scene(bundled.find_scene("arrears"), bundled)


def test_mermaid_marks_start_steps_and_ends_and_labels_choices(bundled: ContentRoot) -> None:
    text = to_mermaid(_arrears(bundled))
    assert text.startswith("flowchart TD\n")
    assert 'n_intro(["<b>intro</b><br/>Hello {name}."])' in text
    assert 'n_pay_how[/"<b>pay_how · action: pay</b>' in text
    assert 'n_goodbye((("<b>goodbye</b>' in text
    assert 'n_menu -->|"Pay now"| n_pay_now' in text
    assert 'n_pay_how -->|"done"| n_thanks' in text
    assert "n_intro --> n_welcome" in text


def test_dot_has_one_statement_per_node_and_edge(bundled: ContentRoot) -> None:
    scene = _arrears(bundled)
    text = to_dot(scene)
    edges = sum(len(node.targets()) for node in scene.nodes.values())
    assert text.startswith('digraph "arrears" {')
    assert text.count(" -> ") == edges
    assert text.count("[label=<<b>") == len(scene.nodes)
    assert "peripheries=2" in text  # the end node


def test_svg_draws_every_node_once_without_overlaps(bundled: ContentRoot) -> None:
    scene = _arrears(bundled)
    svg = ET.fromstring(to_svg(scene))
    rects = svg.findall(f"./{SVG}g/{SVG}rect")
    assert len(rects) == len(scene.nodes)
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"intro", "menu", "goodbye"} <= texts
    assert {"Pay now", "I already paid", "Back to the menu"} <= texts
    boxes = [
        (
            float(r.get("x", 0)),
            float(r.get("y", 0)),
            float(r.get("width", 0)),
            float(r.get("height", 0)),
        )
        for r in rects
    ]
    for (x1, y1, w1, h1), (x2, y2, w2, h2) in itertools.combinations(boxes, 2):
        assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
    assert len(svg.findall(f".//{SVG}path")) == 1 + sum(
        len(n.targets()) for n in scene.nodes.values()
    )
