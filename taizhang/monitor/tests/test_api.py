"""The ingest API: token auth per source, validation of the whole batch, idempotency, background analysis."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from taizhang.accounts.tokens import key_for
from taizhang.core.testing import make_user
from taizhang.monitor import actions
from taizhang.monitor.models import IngestBatch, MonitorItem, Source
from taizhang.monitor.tests.helpers import news_items

pytestmark = [pytest.mark.django_db, pytest.mark.urls("taizhang.monitor.tests.urls")]
URL = "/api/monitor/items/"


@pytest.fixture
def api_source():
    source, token = actions.create_source(acting_user=None, name="外部采集器", kind=Source.Kind.API)
    return source, token


def test_push_with_source_token(api_source, django_capture_on_commit_callbacks):
    source, token = api_source
    client = APIClient()
    items = news_items(20)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(URL, {"batch_id": "c-1", "items": items}, format="json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert resp.status_code == 202, resp.content
    assert resp.json()["received"] == 20 and resp.json()["created"] is True
    batch = IngestBatch.objects.get(pk=resp.json()["batch"])
    assert batch.status == "done" and batch.source == source
    assert MonitorItem.objects.filter(source=source).count() == 20
    # the same batch again (a retry): the first answer, nothing stored twice
    again = client.post(URL, {"batch_id": "c-1", "items": items}, format="json", HTTP_X_MONITOR_TOKEN=token)
    assert again.status_code == 202 and again.json()["batch"] == batch.pk and again.json()["created"] is False
    # a new batch with known links: accepted, nothing new stored
    with django_capture_on_commit_callbacks(execute=True):
        third = client.post(URL, {"items": items[:5]}, format="json", HTTP_AUTHORIZATION=f"Token {token}")
    assert third.status_code == 202
    assert IngestBatch.objects.get(pk=third.json()["batch"]).known == 5
    assert MonitorItem.objects.count() == 20


def test_bad_input_refuses_the_whole_batch(api_source):
    _source, token = api_source
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    items = news_items(3)
    items[1] = {"title": "", "text": ""}
    items.append({"title": "x", "published_at": "昨天"})
    resp = client.post(URL, {"items": items}, format="json")
    assert resp.status_code == 400
    body = resp.json()
    assert set(body["errors"]) == {"items[1]", "items[3]"} and "本批未接收" in body["detail"]
    assert not IngestBatch.objects.exists()
    too_many = client.post(URL, {"items": [{"title": f"t{i}"} for i in range(1001)]}, format="json")
    assert too_many.status_code == 400 and "1000" in too_many.json()["detail"]
    assert client.post(URL, {"items": "x"}, format="json").status_code == 400


def test_authentication(api_source, tree):
    source, _token = api_source
    client = APIClient()
    assert client.post(URL, {"items": news_items(1)}, format="json").status_code in (401, 403)
    bad = client.post(URL, {"items": news_items(1)}, format="json", HTTP_AUTHORIZATION="Bearer tzm_wrong")
    assert bad.status_code == 401
    Source.objects.filter(pk=source.pk).update(enabled=False)
    assert client.post(URL, {"items": news_items(1)}, format="json",
                       HTTP_AUTHORIZATION=f"Bearer {_token}").status_code == 401
    viewer = make_user("viewer", tree.district, username="viewer_api")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key_for(viewer)}")
    assert client.post(URL, {"items": news_items(1), "source": source.pk}, format="json").status_code == 403
    staff = make_user("staff", tree.district, username="staff_api")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key_for(staff)}")
    assert client.post(URL, {"items": news_items(1)}, format="json").status_code == 400  # which source?
    ok = client.post(URL, {"items": news_items(1), "source": source.pk}, format="json")
    assert ok.status_code == 202


def test_rotated_token_replaces_the_old(api_source):
    source, token = api_source
    new = actions.rotate_source_token(acting_user=None, source=source)
    client = APIClient()
    body = {"items": news_items(1)}
    assert client.post(URL, body, format="json", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert client.post(URL, body, format="json", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 202


def test_read_incidents_scoped(tree):
    from taizhang.monitor.tests.test_flow import make_incident

    inc = make_incident(assigned_unit=tree.street_a, status="assigned")
    make_incident("别的")
    client = APIClient()
    client.force_authenticate(make_user("viewer", tree.street_a, username="v_sa"))
    data = client.get("/api/monitor/incidents/").json()
    assert [r["id"] for r in data["results"]] == [inc.pk]
    assert client.get("/api/monitor/alerts/").status_code == 403
