"""The data step of monitor 0003: stored incidents named by key-term triples get a readable headline."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from taizhang.monitor.models import Incident

migration = importlib.import_module("taizhang.monitor.migrations.0003_incident_headlines")


@pytest.mark.django_db
def test_stored_incidents_are_renamed_from_their_representatives() -> None:
    now = timezone.now()
    with_text = Incident.objects.create(
        label="积水·下雨·高峰", key_terms=["积水", "下雨", "高峰"], first_seen=now, last_seen=now,
        representatives=[
            {"key": "a", "title": "转发：今天天气不错"},
            {"key": "b", "title": "下雨后和平路下穿桥积水严重，早高峰车辆绕行。"},
        ],
    )
    without_text = Incident.objects.create(
        label="停水·小区·居民", key_terms=["停水", "小区", "居民"], first_seen=now, last_seen=now, representatives=[],
    )
    migration.forwards(apps, None)
    with_text.refresh_from_db()
    without_text.refresh_from_db()
    assert with_text.label == "下雨后和平路下穿桥积水严重，早高峰车辆绕行"
    assert with_text.key_terms == ["积水", "下雨", "高峰"]
    assert without_text.label == "停水·小区·居民"
    migration.backwards(apps, None)
    with_text.refresh_from_db()
    assert with_text.label == "积水·下雨·高峰"
