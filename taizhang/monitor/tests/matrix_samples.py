"""Sample objects of the monitoring URLs for the permission matrix (core/testing_matrix.py). Sources, watch
lists, channels, alerts, briefs and proposals are the department's (no unit); incidents are scoped to their
assigned unit."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils import timezone

from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.ledger.models import Outlet
    from taizhang.monitor import actions
    from taizhang.monitor.models import Alert, Brief, Incident, PlacementProposal

    sa = world.tree.street_a
    now = timezone.now()
    incident = Incident.objects.create(label="矩阵事件", first_seen=now, last_seen=now, items_count=3,
                                       assigned_unit=sa, status="assigned")
    alert = Alert.objects.create(kind="burst", incident=incident, title="矩阵预警", dedupe_key="matrix")
    source, _ = actions.create_source(acting_user=None, name="矩阵订阅", kind="feed", url="https://m.example.cn/rss")
    watchlist = actions.create_watchlist(acting_user=None, key="matrix", name="矩阵", purpose="topic",
                                         expression="万柏林 AND 拆迁")
    channel = actions.save_channel(acting_user=None, name="矩阵邮箱", kind="email", target="duty@example.cn")
    brief = Brief.objects.create(kind="daily", date=now.date(), title="矩阵每日舆情", html="<p>内容</p>")
    brief.docx.save("matrix.docx", ContentFile(b"PK\x03\x04matrix"), save=True)
    from taizhang.monitor.brief import build_special  # a brief with figures, for its figures' source pages

    special = build_special(incident)
    figured = Brief.objects.create(kind="special", date=now.date(), incident=incident, title="矩阵舆情专报",
                                   html="<p>内容</p>", document=special.to_dict())
    outlet = Outlet.objects.order_by("id").first() or Outlet.objects.create(name="矩阵日报", level="district",
                                                                           kind="newspaper")
    proposal = PlacementProposal.objects.create(item_key="matrix", outlet=outlet, unit=sa, title="矩阵稿件",
                                                published_on=now.date())
    inc = {"pk": incident.pk}
    return {
        "monitor:incident_detail": Sample(inc, sa),
        "monitor:incident_assign": Sample(inc, sa),
        "monitor:incident_respond": Sample(inc, sa),
        "monitor:incident_close": Sample(inc, sa),
        "monitor:incident_report": Sample(inc, sa),
        "monitor:alert_ack": Sample({"pk": alert.pk}),
        "monitor:channel_edit": Sample({"pk": channel.pk}),
        "monitor:channel_delete": Sample({"pk": channel.pk}),
        "monitor:channel_test": Sample({"pk": channel.pk}),
        "monitor:brief_detail": Sample({"pk": brief.pk}),
        "monitor:brief_download": Sample({"pk": brief.pk}),
        "monitor:brief_figure": Sample({"pk": figured.pk, "fig_id": next(iter(special.figures())).id}),
        "monitor:source_edit": Sample({"pk": source.pk}),
        "monitor:source_poll": Sample({"pk": source.pk}),
        "monitor:source_token": Sample({"pk": source.pk}),
        "monitor:source_delete": Sample({"pk": source.pk}),
        "monitor:watchlist_edit": Sample({"pk": watchlist.pk}),
        "monitor:watchlist_delete": Sample({"pk": watchlist.pk}),
        "monitor:proposal_decide": Sample({"pk": proposal.pk}),
        "monitor-incident-detail": Sample(inc, sa),
        "monitor-alert-detail": Sample({"pk": alert.pk}),
    }
