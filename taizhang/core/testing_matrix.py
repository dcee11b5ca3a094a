"""The permission matrix (NetBox-style): every URL name of the staff URLConf and every API route, checked for four
kinds of user, so that a new page without a permission check fails the suite.

For each URL name (format-suffix variants of API routes aside):

* anonymous — GET and POST: a redirect to the login page (web) or 401/403 (API); 405 when the method is not
  allowed at all. Names in :data:`PUBLIC` are exempt, with the reason.
* a signed-in user with no role — GET and POST: 403 or 404 (405 for a method the view does not take). Names in
  :data:`ANY_SIGNED_IN` (one's own password, second factor, notices …) are exempt, with the reason.
* in scope — at least one of the role users (viewer, liaison, reviewer, staff of the sample object's street; staff,
  viewer and the three administrators of the district) gets 200/201/204, a redirect that is not to the login page,
  or 405 (a POST-only action answered to GET).
* out of scope — when the sample names the object's unit, the same roles held in a sibling unit get 403 or 404, GET
  and POST.

URL keyword arguments come from a per-app registry of sample objects: ``taizhang/<app>/tests/matrix_samples.py``
with ``def samples(world: MatrixWorld) -> dict[str, Sample]`` (URL name → the kwargs of an object built there, and
its unit). A URL whose kwargs no registry fills fails with a message naming the file and the entry to add. Apps
listed in :data:`PENDING_APPS` (being built) get a warning instead until their owners add samples and remove them
from the list. See docs/architecture.md "Permission matrix".
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# URL name → why it is open to anyone.
PUBLIC: dict[str, str] = {
    "accounts:login": "the login page",
    "accounts:logout": "ending one's own session (anonymous: nothing to end)",
    "accounts:totp_verify": "second step of the login, bound to the half-finished login in the session",
    "accounts:password_reset_confirm": "one-time reset link delivered to the user; the code is the credential",
    "core:healthz": "liveness probe for load balancers, no data",
    "core:favicon": "the site icon (a redirect to the static file)",
    "healthz": "liveness probe for load balancers, no data",
    "captcha-image": "CAPTCHA images of the public site",
    "captcha-image-2x": "CAPTCHA images of the public site",
    "captcha-audio": "CAPTCHA audio of the public site",
    "captcha-refresh": "CAPTCHA refresh of the public site",
    "api-monitor-items": "outside crawlers push items with their source's own token (checked in the view)",
    "civility:service_worker": "the inspectors' offline script (static asset addresses, no data); browsers "
                               "re-fetch it for updates even when signed out, and a redirect would break it",
}
# URL name → why every signed-in user may open it, whatever their roles.
ANY_SIGNED_IN: dict[str, str] = {
    "core:home": "landing page: redirects by capability, or says the account has no role yet",
    "accounts:password_change": "one's own password",
    "accounts:totp": "one's own second factor",
    "accounts:totp_setup": "one's own second factor",
    "accounts:totp_disable": "one's own second factor",
    "accounts:tokens": "one's own API tokens",
    "accounts:token_create": "one's own API tokens",
    "accounts:token_revoke": "one's own API tokens (another user's token is a 404)",
    "core:job": "progress of one's own background job (another user's job is a 404)",
    "core:notice_list": "one's own notifications",
    "core:notice_open": "one's own notifications (another user's notice is a 404)",
    "core:notice_read": "one's own notifications",
    "core:notice_read_all": "one's own notifications",
    "core:notice_count": "one's own notifications",
    "core:notice_settings": "one's own notification settings",
    "core:workbench": "one's own workbench; panels check their capabilities",
    "api-root": "the API's index of links, no data",
    "api-schema": "the published OpenAPI schema, for signed-in users",
    "api-docs": "the API documentation page, for signed-in users",
}
# Apps being built now: a URL of theirs without a sample is a warning, not a failure, until they add samples.
PENDING_APPS: set[str] = set()

OK_IN_SCOPE = {200, 201, 204, 302, 303, 405}
REFUSED = {403, 404, 405}


@dataclass
class Sample:
    """The keyword arguments of one URL, and the unit of the object they name (None: not a scoped object)."""

    kwargs: dict[str, Any]
    unit: Any = None
    query: str = ""  # query string a page needs (without "?")


@dataclass
class MatrixWorld:
    tree: Any
    users: dict[str, Any]  # role@place → user
    data: dict[str, Any] = field(default_factory=dict)  # what sample builders share


@dataclass
class Route:
    name: str
    kwargs: tuple[str, ...]
    app: str
    is_api: bool


def routes() -> list[Route]:
    """Every URL name of the root URLConf with its keyword arguments (format-suffix variants dropped)."""
    found: dict[tuple[str, tuple[str, ...]], Route] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str | None, app: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                module = getattr(entry.urlconf_module, "__name__", "") if not isinstance(
                    entry.urlconf_module, list) else ""
                sub_app = module.split(".")[1] if module.startswith("taizhang.") and module.count(".") >= 2 else app
                walk(entry, prefix + str(entry.pattern), ns, sub_app)
            elif isinstance(entry, URLPattern) and entry.name:
                kwargs = tuple(sorted(entry.pattern.regex.groupindex))
                if "format" in kwargs:
                    continue
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                view_module = getattr(entry.callback, "__module__", "") or ""
                owner = view_module.split(".")[1] if view_module.startswith("taizhang.") else app
                route = prefix + str(entry.pattern)
                found.setdefault((name, kwargs), Route(name, kwargs, owner, route.startswith("api/")))

    walk(get_resolver(), "", None, "")
    return sorted(found.values(), key=lambda r: (r.app, r.name, r.kwargs))


def registry(world: MatrixWorld) -> dict[str, Sample]:
    """Samples of every app that has ``tests/matrix_samples.py``."""
    out: dict[str, Sample] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("taizhang."):
            continue
        try:
            module = import_module(f"{config.name}.tests.matrix_samples")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests.matrix_samples", f"{config.name}.tests"):
                raise
            continue
        builder: Callable[[MatrixWorld], dict[str, Sample]] = module.samples
        out.update(builder(world))
    return out


def _to_login(response: Any) -> bool:
    location = str(response.get("Location", ""))
    return response.status_code in (301, 302, 303) and (
        str(settings.LOGIN_URL) in location or "/accounts/login/" in location
    )


def _anonymous_ok(route: Route, response: Any) -> bool:
    if route.is_api:
        return response.status_code in (401, 403, 405)
    return _to_login(response) or response.status_code == 405


def _call(client: Client, method: str, url: str) -> Any:
    response = client.get(url) if method == "get" else client.post(url, data={})
    location = str(response.get("Location", ""))
    if response.status_code in (301, 302) and location.startswith("/") and not _to_login(response):
        response = client.get(location)  # an index page that forwards to the real page: judge that page
    return response


def _clients(users: dict[str, Any]) -> Iterator[tuple[str, Client]]:
    for label, user in users.items():
        client = Client()
        client.force_login(user)
        yield label, client


@dataclass
class MatrixResult:
    covered: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # failures: kwargs no registry fills
    pending: list[str] = field(default_factory=list)  # the same, for apps in PENDING_APPS (warnings)


def run_matrix(world: MatrixWorld, *, only: Callable[[Route], bool] | None = None) -> MatrixResult:
    samples = registry(world)
    result = MatrixResult()
    anonymous = Client()
    nobody = Client()
    nobody.force_login(world.users["nobody"])
    inside = dict(_clients({k: v for k, v in world.users.items() if k.startswith("in:")}))
    outside = dict(_clients({k: v for k, v in world.users.items() if k.startswith("out:")}))
    for route in routes():
        if only is not None and not only(route):
            continue
        sample = samples.get(route.name) or (None if route.kwargs else Sample({}))
        if sample is None or set(sample.kwargs) != set(route.kwargs):
            message = (f"{route.name} needs {list(route.kwargs)}: add "
                       f'"{route.name}": Sample({{{", ".join(f"{k!r}: …" for k in route.kwargs)}}}, unit=…) '
                       f"to taizhang/{route.app}/tests/matrix_samples.py")
            (result.pending if route.app in PENDING_APPS else result.missing).append(message)
            continue
        try:
            url = reverse(route.name, kwargs=sample.kwargs) + (f"?{sample.query}" if sample.query else "")
        except Exception as exc:  # a sample that does not fit the pattern
            result.failures.append(f"{route.name}: cannot build the URL from {sample.kwargs}: {exc}")
            continue
        result.covered.append(route.name)
        problems = [f"{route.name} {url}: {p}" for p in _check(route, url, sample, anonymous, nobody, inside, outside)]
        (result.pending if route.app in PENDING_APPS else result.failures).extend(problems)
    for message in result.pending:
        warnings.warn(f"permission matrix (pending app): {message}", stacklevel=1)
    return result


def _check(route: Route, url: str, sample: Sample, anonymous: Client, nobody: Client,
           inside: dict[str, Client], outside: dict[str, Client]) -> list[str]:
    problems: list[str] = []
    public = route.name in PUBLIC
    for method in ("get", "post"):
        try:
            response = _call(anonymous, method, url)
        except Exception as exc:
            problems.append(f"anonymous {method.upper()} raised {exc.__class__.__name__}: {exc}")
            continue
        if response.status_code >= 500:
            problems.append(f"anonymous {method.upper()} → {response.status_code}")
        elif not public and not _anonymous_ok(route, response):
            problems.append(f"anonymous {method.upper()} → {response.status_code} (expected login/401/403)")
    if public:
        return problems
    open_to_all = route.name in ANY_SIGNED_IN
    if not open_to_all:
        for method in ("get", "post"):
            try:
                response = _call(nobody, method, url)
            except Exception as exc:
                problems.append(f"no-role user {method.upper()} raised {exc.__class__.__name__}: {exc}")
                continue
            if response.status_code not in REFUSED | ({401} if route.is_api else set()):
                problems.append(f"no-role user {method.upper()} → {response.status_code} (expected 403/404)")
    statuses = {}
    for label, client in inside.items():
        try:
            response = client.get(url)
        except Exception as exc:
            problems.append(f"{label} GET raised {exc.__class__.__name__}: {exc}")
            break
        statuses[label] = response.status_code
        if response.status_code >= 500:
            problems.append(f"{label} GET → {response.status_code}")
            break
        if response.status_code in OK_IN_SCOPE and not _to_login(response):
            break
    else:
        problems.append(f"no role user reaches it: {statuses}")
    if sample.unit is not None:
        for label, client in outside.items():
            for method in ("get", "post"):
                try:
                    response = _call(client, method, url)
                except Exception as exc:
                    problems.append(f"{label} {method.upper()} raised {exc.__class__.__name__}: {exc}")
                    continue
                if response.status_code not in REFUSED:
                    problems.append(f"{label} (other unit) {method.upper()} → {response.status_code} "
                                    "(expected 404/403)")
    return problems


def make_world(tree: Any) -> MatrixWorld:
    """The users of the matrix: no role; roles in street A (in scope of the samples, which live in street A or
    the district); the same roles in street B (out of scope)."""
    from taizhang.core.testing import make_user

    users: dict[str, Any] = {"nobody": make_user(username="mx_nobody")}
    for role in ("viewer", "liaison", "reviewer", "staff"):
        users[f"in:{role}@SA"] = make_user(role, tree.street_a, username=f"mx_{role}_sa")
    for role in ("staff", "viewer", "sysadmin", "secadmin", "auditadmin"):
        users[f"in:{role}@D"] = make_user(role, tree.district, username=f"mx_{role}_d")
    for role in ("viewer", "liaison", "reviewer", "staff"):
        users[f"out:{role}@SB"] = make_user(role, tree.street_b, username=f"mx_{role}_sb")
    return MatrixWorld(tree=tree, users=users)
