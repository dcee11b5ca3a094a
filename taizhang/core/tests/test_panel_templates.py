"""Workbench panels and portal sections are included `with ctx=…` (core/templates/core/workbench.html,
citizen/templates/citizen/public/home.html): a template that reads its data by bare names (`{{ count }}` instead of
`{{ ctx.count }}`) renders blanks without any error — the 随手拍 panel once said "共  件待受理" and the portal said
there were no volunteer activities while dozens were open. Every name such a template reads must come from `ctx`,
a loop or `with` it opened itself, or the request context every page has."""

from __future__ import annotations

import re

from django.template import Engine
from django.template.base import Lexer, TokenType

from taizhang.core import portal, workbench

ALWAYS = {"ctx", "request", "user", "perms", "csrf_token", "forloop", "messages", "True", "False", "None"}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")


def _names(expr: str) -> list[str]:
    """The first name of each variable in a template expression (filters' arguments included, filter names and
    string literals not)."""
    expr = re.sub(r'"[^"]*"|\'[^\']*\'', '""', expr)
    out = []
    for word in expr.split():
        head, *filters = word.split("|")
        for part in [*re.split(r"[=(),]", head), *[f.split(":", 1)[1] for f in filters if ":" in f]]:
            part = part.strip()
            match = NAME.match(part)
            if match and match.group(0) not in {"and", "or", "not", "in", "is", "as", "with", "only", "reversed"}:
                out.append(match.group(0))
    return out


def unbound_names(source: str) -> set[str]:
    bound = set(ALWAYS)
    unbound: set[str] = set()
    for token in Lexer(source).tokenize():
        text = token.contents.strip()
        if token.token_type == TokenType.VAR:
            unbound.update(n for n in _names(text) if n not in bound)
        elif token.token_type == TokenType.BLOCK:
            tag, _, rest = text.partition(" ")
            if tag == "for":
                targets, _, seq = rest.partition(" in ")
                unbound.update(n for n in _names(seq) if n not in bound)
                bound.update(t.strip() for t in targets.split(","))
            elif tag in {"if", "elif"}:
                unbound.update(n for n in _names(rest) if n not in bound)
            elif tag in {"with", "include"}:
                for assignment in re.findall(r"(\w+)=(\S+)", rest):
                    bound.add(assignment[0]) if tag == "with" else None
                    unbound.update(n for n in _names(assignment[1]) if n not in bound)
            elif tag == "url":
                unbound.update(n for n in _names(" ".join(rest.split()[1:])) if n not in bound)
    return unbound


def test_the_checker_sees_bare_names() -> None:
    assert unbound_names("<p>共 {{ count }} 件</p>{% for r in rows %}{{ r.x }}{% endfor %}") == {"count", "rows"}
    assert unbound_names("{% for r in ctx.rows %}{{ r.x|date:'n' }}{% url 'a:b' r.pk %}{% endfor %}") == set()
    assert unbound_names("{% if ctx.n %}{% url 'a:b' pk %}{% endif %}") == {"pk"}


def test_every_panel_and_portal_section_reads_its_data_from_ctx() -> None:
    workbench.autodiscover()
    templates = {f"workbench {p.key}": p.template for p in workbench.PANELS.values()}
    templates |= {f"portal {s.key}": s.template for s in portal.SECTIONS}
    assert len(templates) >= 8  # the registries are filled when apps are ready
    engine = Engine.get_default()
    bad = {}
    for label, name in templates.items():
        source = engine.get_template(name).source
        names = unbound_names(source)
        if names:
            bad[f"{label} ({name})"] = sorted(names)
    assert bad == {}
