"""Issue 17: units are chosen with the one tree-select everywhere, never a flat <select> with "---------".

Two checks: the source (no form declares a plain ModelChoiceField of units, no template loops units into a bare
<select>), and every page of the staff site as the district's staff, system administrator and security
administrator and as street A's staff (the permission matrix's sample objects fill URLs with arguments)."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from taizhang.core.testing import PASSWORD
from taizhang.core.testing_matrix import make_world, registry, routes

ROOT = Path(__file__).resolve().parents[2]  # the taizhang package
MODEL_CHOICE = {"ModelChoiceField", "ModelMultipleChoiceField"}
UNIT_NAMES = re.compile(r"unit|parent|area", re.I)
UNIT_SELECT_NAMES = {"unit", "area", "new_unit", "parent", "new_parent", "peer_parent", "credited_units"}
# Being built or owned elsewhere right now; each entry says why and goes once it uses org.fields.UnitChoiceField.
PENDING_SOURCES = {
    "ledger/templates/ledger/dashboard/_picker.html": "the dashboard is being reworked (engineer E adopts the "
                                                      "pickers there)",
}
PENDING_PAGES = {"ledger:dashboard", "ledger:dashboard_line"}  # engineer E's rework


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _target_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    return ""


def test_no_form_declares_a_plain_model_choice_of_units() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = _rel(path)
        if "/tests/" in f"/{rel}" or "/migrations/" in rel or rel in PENDING_SOURCES:
            continue
        text = path.read_text(encoding="utf-8")
        if "ModelChoiceField(" not in text and "ModelMultipleChoiceField(" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.Assign, ast.AnnAssign)) or not isinstance(node.value, ast.Call):
                continue
            func = node.value.func
            if _target_name(func) not in MODEL_CHOICE:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            source = ast.get_source_segment(text, node.value) or ""
            if re.search(r"\bUnit\b", source) or any(UNIT_NAMES.search(_target_name(t)) for t in targets):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == [], "use taizhang.org.fields.UnitChoiceField for units:\n" + "\n".join(offenders)


def test_no_template_loops_units_into_a_bare_select() -> None:
    select = re.compile(r"<select\b[^>]*\bname=\"(?P<name>[a-z_]+)\"[^>]*>(?P<body>.*?)</select>", re.S)
    offenders = []
    for path in sorted(ROOT.rglob("*.html")):
        rel = _rel(path)
        if rel in PENDING_SOURCES:
            continue
        for m in select.finditer(path.read_text(encoding="utf-8")):
            loops_units = re.search(r"\{% for \w+ in \w*(units|areas|streets)", m.group(0))
            if m.group("name") in UNIT_SELECT_NAMES or loops_units:
                offenders.append(f"{rel}: <select name=\"{m.group('name')}\">")
    assert offenders == [], "use {% unit_select %} (org/templatetags/tz_units.py):\n" + "\n".join(offenders)


SELECT = re.compile(r"(?P<tag><select\b[^>]*>)(?P<body>.*?)</select>", re.S)


@pytest.mark.django_db
def test_every_page_offers_units_in_the_tree_select(tree: Any, taxonomy: Any) -> None:
    world = make_world(tree)
    samples = registry(world)
    users = [world.users[k] for k in ("in:staff@D", "in:sysadmin@D", "in:secadmin@D", "in:staff@SA")]
    clients = []
    for user in users:
        client = Client(raise_request_exception=False)  # a page failing for another reason is not ours here
        assert client.login(username=user.username, password=PASSWORD)
        clients.append(client)
    from django.urls import reverse

    seen, offenders = 0, []
    for route in routes():
        if route.is_api or route.name in PENDING_PAGES or route.name.startswith("ledger:dashboard"):
            continue
        sample = samples.get(route.name)
        if route.kwargs and sample is None:
            continue
        kwargs = sample.kwargs if sample else {}
        url = reverse(route.name, kwargs=kwargs) + (f"?{sample.query}" if sample and sample.query else "")
        for client in clients:
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            seen += 1
            html = response.content.decode()
            for m in SELECT.finditer(html):
                name = re.search(r'\bname="([^"]+)"', m.group("tag"))
                if not name or name.group(1) not in UNIT_SELECT_NAMES:
                    continue
                if "data-tz-tree" not in m.group("tag"):
                    offenders.append(f"{route.name}: <select name=\"{name.group(1)}\"> is flat")
                if "---------" in m.group("body"):
                    offenders.append(f"{route.name}: <select name=\"{name.group(1)}\"> offers ---------")
            break  # one role that sees the page is enough
    assert seen > 50  # the crawl really rendered the site's pages
    assert sorted(set(offenders)) == [], "\n".join(sorted(set(offenders)))
