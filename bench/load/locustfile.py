"""Load test: 50 users on the main pages and the API, mixed reads and writes (locust).

Each virtual user signs in through the login page (CSRF and all) as one of the bench users (bench/load/prepare.py)
and, with 1–5 s between actions (TZ_BENCH_WAIT), reads the record list, a record, the dashboard and figures, reads
the API, and writes: creates records through the API with an Idempotency-Key and edits them with their version
(optimistic locking). Every acknowledged write (HTTP 201/200) is appended to $TZ_BENCH_ACKS (JSON lines) so that
`verify.py` can prove after a fault run that no acknowledged write was lost.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import threading
import uuid
from html import unescape
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

USERS_FILE = Path(os.environ.get("TZ_BENCH_USERS", Path(__file__).resolve().parents[1] / "var" / "load" / "users.json"))
ACKS_FILE = Path(os.environ.get("TZ_BENCH_ACKS", Path(__file__).resolve().parents[1] / "var" / "load" / "acks.jsonl"))
_data = json.loads(USERS_FILE.read_text()) if USERS_FILE.exists() else {"users": [], "activity_type": "lecture_event"}
_next = iter(range(10**9))
_lock = threading.Lock()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def ack(kind: str, record_id: int, key: str, version: int) -> None:
    with _lock, ACKS_FILE.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": kind, "id": record_id, "key": key, "version": version}) + "\n")


@events.test_start.add_listener
def _start(environment: Any, **kwargs: Any) -> None:
    ACKS_FILE.parent.mkdir(parents=True, exist_ok=True)


WAIT = [float(x) for x in os.environ.get("TZ_BENCH_WAIT", "1,5").split(",")]


# What a browser fetches from the dashboard's shell: the htmx requests that fire on load (the open tab's tiles and
# cards), and those of another tab when the user opens it (hx-trigger "tz-dash-show from:#panel-KEY once").
HX_LOAD = re.compile(r'hx-get="([^"]+)" hx-trigger="load"')
HX_TAB = re.compile(r'hx-get="([^"]+)" hx-trigger="tz-dash-show from:#panel-([\w-]+) once"')


def fragments(html: str) -> tuple[list[str], dict[str, list[str]]]:
    """(URLs fetched on load, {tab: URLs fetched when that tab is opened}) from the dashboard's HTML."""
    tabs: dict[str, list[str]] = {}
    for url, tab in HX_TAB.findall(html):
        tabs.setdefault(tab, []).append(unescape(url))
    return [unescape(u) for u in HX_LOAD.findall(html)], tabs


class TaizhangUser(HttpUser):
    wait_time = between(WAIT[0], WAIT[1])  # think time between a person's clicks (TZ_BENCH_WAIT="min,max" s)

    def on_start(self) -> None:
        users = _data["users"]
        self.account = users[next(_next) % len(users)]
        self.api_headers = {"Authorization": f"Token {self.account['token']}"}
        # gunicorn closes idle keep-alive connections after 2 s (taizhang serve's default); a client that reuses
        # one just then gets "connection reset". Browsers retry that transparently, requests does not: one
        # connection per request keeps the measurement about the application (loopback connects cost ~0.1 ms).
        self.client.headers["Connection"] = "close"
        self.mine: list[dict[str, Any]] = []
        page = self.client.get("/accounts/login/", name="login page")
        match = CSRF.search(page.text)
        token = match.group(1) if match else ""
        self.client.post("/accounts/login/", data={
            "username": self.account["username"], "password": self.account["password"],
            "csrfmiddlewaretoken": token}, headers={"Referer": f"{self.host}/accounts/login/"}, name="login")

    # --- pages ----------------------------------------------------------------------------------------------
    @task(5)
    def record_list(self) -> None:
        self.client.get("/ledger/records/", name="page: record list")

    @task(3)
    def dashboard(self) -> None:
        # what a browser fetches: the page shell, then the htmx requests it names (the open tab's tiles and
        # cards), and, one visit in two, a second tab opened (its tiles and cards)
        page = self.client.get("/ledger/dashboard/", name="page: dashboard")
        on_load, tabs = fragments(page.text)
        for url in on_load:
            self.client.get(url, name="fragment: dashboard " + ("tiles" if "/tiles/" in url else "cards"))
        if tabs and random.random() < 0.5:
            for url in tabs[random.choice(sorted(tabs))]:
                self.client.get(url, name="fragment: dashboard tab " + ("tiles" if "/tiles/" in url else "cards"))

    @task(2)
    def record_detail(self) -> None:
        if self.mine:
            self.client.get(f"/ledger/records/{random.choice(self.mine)['id']}/", name="page: record detail")

    # --- API reads ------------------------------------------------------------------------------------------
    @task(4)
    def api_records(self) -> None:
        self.client.get("/api/records/?limit=20", headers=self.api_headers, name="api: records")

    @task(2)
    def api_figures(self) -> None:
        self.client.get(f"/api/figures/?metric=lecture_audience&period={datetime.date.today().year}",
                        headers=self.api_headers, name="api: figures")

    # --- API writes -----------------------------------------------------------------------------------------
    @task(2)
    def api_create(self) -> None:
        key = uuid.uuid4().hex
        body = {"unit": self.account["unit"], "activity_type": _data["activity_type"],
                "title": f"压测宣讲 {key[:8]}", "start_date": datetime.date.today().isoformat(),
                "figures": {"lecture_audience": str(random.randint(10, 500))}}
        with self.client.post("/api/records/", json=body, headers={**self.api_headers, "Idempotency-Key": key},
                              name="api: create record", catch_response=True) as response:
            if response.status_code == 201:
                data = response.json()
                self.mine.append({"id": data["id"], "version": data["version"], "key": key})
                ack("create", data["id"], key, data["version"])
                response.success()

    @task(1)
    def api_update(self) -> None:
        if not self.mine:
            return
        item = random.choice(self.mine)
        title = f"压测修改 {uuid.uuid4().hex[:8]}"
        with self.client.patch(f"/api/records/{item['id']}/", json={"title": title, "version": item["version"]},
                               headers=self.api_headers, name="api: update record", catch_response=True) as response:
            if response.status_code == 200:
                item["version"] = response.json()["version"]
                ack("update", item["id"], title, item["version"])
                response.success()
            elif response.status_code == 409:
                response.success()  # a stale version is refused by design; re-read it
                fresh = self.client.get(f"/api/records/{item['id']}/", headers=self.api_headers,
                                        name="api: record")
                if fresh.status_code == 200:
                    item["version"] = fresh.json()["version"]
