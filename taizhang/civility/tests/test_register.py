"""Imports of a framework and of sites (all or nothing, errors by row and column), plan coverage, titles, the
bulletin with blurred photos."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client

from taizhang.civility import actions
from taizhang.civility.models import Site, Standard, Title, TitleApplication
from taizhang.civility.plans import coverage
from taizhang.civility.tests.factories import inspect, jpeg, xlsx
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.core.periods import parse_period
from taizhang.core.testing import PASSWORD

D = datetime.date
HEAD = ["项目编号", "测评项目", "内容编号", "测评内容", "标准编号", "测评标准", "分值", "测评方法", "适用点位"]


def test_framework_import_all_or_nothing(world: dict[str, Any]) -> None:
    fw = actions.create_framework(acting_user=None, key="city", name="市级测评体系", owner=world["tree"].district)
    bad = xlsx([HEAD,
                ["P1", "公共秩序", "C1", "交通秩序", "1.1.1", "机动车礼让行人", "3", "实地考察", "主次干道"],
                ["P1", "公共秩序", "C1", "交通秩序", "1.1.2", "", "abc", "现场看看", "火星"],
                ["P1", "公共秩序", "C1", "交通秩序", "1.1.1", "重复编号", "2", "实地考察", ""]])
    with pytest.raises(InvalidInput) as exc:
        actions.import_framework(acting_user=None, framework=fw, data=bad)
    messages = [m for ms in exc.value.errors.values() for m in ms]
    assert any(m.startswith("第3行“测评标准”列") for m in messages)
    assert any(m.startswith("第3行“分值”列") for m in messages)
    assert any(m.startswith("第3行“测评方法”列") for m in messages)
    assert any(m.startswith("第3行“适用点位”列") for m in messages)
    assert any(m.startswith("第4行“标准编号”列") for m in messages)
    assert not Standard.objects.filter(framework=fw).exists()
    good = xlsx([HEAD,
                 ["P1", "公共秩序", "C1", "交通秩序", "1.1.1", "机动车礼让行人", "3", "实地考察", "主次干道、背街小巷"],
                 ["P2", "公共服务", "C2", "政务服务", "2.1.1", "有便民服务指南", "2.5", "材料审核", ""]])
    assert actions.import_framework(acting_user=None, framework=fw, data=good) == 2
    s = Standard.objects.get(framework=fw, code="1.1.1")
    assert s.site_types == ["main_street", "back_street"] and s.project.name == "公共秩序"
    with pytest.raises(InvalidInput):  # not a spreadsheet
        actions.import_framework(acting_user=None, framework=fw, data=b"not an xlsx")


def test_site_import_with_bad_rows_imports_nothing(world: dict[str, Any]) -> None:
    head = ["点位编号", "点位类型", "点位名称", "地址", "纬度", "经度", "责任单位代码", "点位负责人", "负责人电话"]
    bad = xlsx([head,
                ["S-001", "农贸市场", "东一菜市场", "东一路1号", "37.8", "112.5", "SA1", "张三", "13800001111"],
                ["S-002", "游乐场", "无效类型", "", "", "", "SA1", "", ""],
                ["S-003", "公共厕所", "公厕", "", "99", "", "NOPE", "", ""]])
    with pytest.raises(InvalidInput) as exc:
        actions.import_sites(acting_user=world["liaison_a"], data=bad)
    messages = [m for ms in exc.value.errors.values() for m in ms]
    assert any(m.startswith("第3行“点位类型”列") for m in messages)
    assert any(m.startswith("第4行“纬度”列") for m in messages)
    assert any("第4行“责任单位代码”列" in m for m in messages)
    assert not Site.objects.filter(code__startswith="S-").exists()
    good = xlsx([head, ["S-001", "农贸市场", "东一菜市场", "东一路1号", "37.8", "112.5", "SA1", "张三", "13800001111"]])
    assert actions.import_sites(acting_user=world["liaison_a"], data=good) == (1, 0)
    site = Site.objects.get(code="S-001")
    assert site.unit == world["tree"].community_a1 and site.lead_phone == "13800001111"
    # A street cannot register sites of another street.
    other = xlsx([head, ["S-009", "公园广场", "西公园", "", "", "", "SB1", "", ""]])
    with pytest.raises(InvalidInput):
        actions.import_sites(acting_user=world["liaison_a"], data=other)


def test_sites_cli(world: dict[str, Any], capsys: Any) -> None:
    import json

    from django.core.management import call_command

    call_command("civility", "sites", "--type", "market")
    assert capsys.readouterr().out.strip().split("\n") == ["M1\t农贸市场\t东一农贸市场\t东一社区"]
    call_command("civility", "sites", "--json")
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().split("\n")]
    assert {r["code"] for r in rows} == {"M1", "B1"} and rows[0].keys() >= {"code", "type", "name", "unit"}


def test_plan_coverage(world: dict[str, Any]) -> None:
    fw, tree = world["fw"], world["tree"]
    actions.create_round(acting_user=world["staff"], framework=fw, owner=tree.district, name="第一轮",
                         week_start=D(2024, 5, 8), site_types=["market", "park"],
                         teams=[{"name": "第一督导组", "site_types": ["toilet"]}])
    inspect(world["street"], fw, {"S2": True}, D(2024, 5, 21))
    cover = coverage(parse_period("2024-05"))
    rows = {r.site_type: r for r in cover.rows}
    week_of_may6 = next(i for i, w in enumerate(cover.weeks) if w.start == D(2024, 5, 6))
    week_of_may20 = next(i for i, w in enumerate(cover.weeks) if w.start == D(2024, 5, 20))
    assert rows["market"].cells[week_of_may6] == "planned" and rows["toilet"].planned
    assert rows["back_street"].cells[week_of_may20] == "inspected" and rows["back_street"].covered
    gaps = {r.site_type for r in cover.gaps}
    assert "hospital" in gaps and "market" not in gaps and "back_street" not in gaps
    with pytest.raises(InvalidInput):
        actions.create_round(acting_user=world["staff"], framework=fw, owner=tree.district, name="空",
                             week_start=D(2024, 5, 8), site_types=[])


def test_title_review_by_level_award_check_and_revoke(world: dict[str, Any]) -> None:
    tree, staff = world["tree"], world["staff"]
    app = actions.apply_title(acting_user=world["liaison_a"], kind="unit", level="city", unit=tree.street_a,
                              year=2024, applicant="东城街道")
    actions.review_application(acting_user=staff, application=app, approve=True)
    app.refresh_from_db()
    assert app.reviewed_level == "district" and app.status == TitleApplication.Status.SUBMITTED
    assert not Title.objects.exists()
    actions.review_application(acting_user=staff, application=app, approve=True, on=D(2024, 6, 1))
    app.refresh_from_db()
    title = Title.objects.get()
    assert app.status == TitleApplication.Status.AWARDED and title.level == "city"
    assert title.valid_until == D(2027, 5, 31)
    actions.check_title(acting_user=staff, title=title, year=2025, passed=True)
    with pytest.raises(InvalidInput):
        actions.check_title(acting_user=staff, title=title, year=2025, passed=True)
    actions.revoke_title(acting_user=staff, title=title, reason="发生重大安全责任事故")
    title.refresh_from_db()
    assert title.status == Title.Status.REVOKED and "事故" in title.revoke_reason
    with pytest.raises(InvalidTransition):
        actions.check_title(acting_user=staff, title=title, year=2026, passed=True)
    family = actions.apply_title(acting_user=world["liaison_a1"], kind="family", level="district",
                                 unit=tree.community_a1, year=2024, family_name="王建国")
    assert family.display_name == "王**家庭"
    actions.review_application(acting_user=staff, application=family, approve=False, reason="材料不全")
    family.refresh_from_db()
    assert family.status == TitleApplication.Status.REJECTED
    from taizhang.ledger.providers import FigureQuery, get

    held_2024 = FigureQuery(period=parse_period("2024"), unit_ids=None, filters={"level": "city"})
    assert get("civility_titles").compute(held_2024).value == 1  # type: ignore[union-attr]
    after = FigureQuery(period=parse_period(f"{title.revoked_on.year + 1}"), unit_ids=None, filters={"level": "city"})
    assert get("civility_titles").compute(after).value == 0  # type: ignore[union-attr]
    pairing = actions.create_pairing(acting_user=staff, unit=tree.bureau, partner=tree.community_b1,
                                     started_on=D(2024, 3, 1), content="共建文明社区")
    with pytest.raises(InvalidInput):
        actions.create_pairing(acting_user=staff, unit=tree.bureau, partner=tree.community_b1,
                               started_on=D(2024, 3, 1))
    assert pairing.ended_on is None


def test_bulletin_with_blurred_photo_and_traceable_figures(world: dict[str, Any]) -> None:
    from PIL import Image

    from taizhang.civility.models import Photo
    from taizhang.reports.docwriter import read_provenance

    inspection = inspect(world["market"], world["fw"], {"S1": True, "S2": False}, D(2024, 5, 6),
                         photos=[{"file": jpeg(size=(200, 100)), "standard": None}])
    photo = Photo.objects.get(inspection=inspection)
    bulletin = actions.create_bulletin(acting_user=world["staff"], owner=world["tree"].district, kind="monthly",
                                       period_spec="2024-05")
    from taizhang.reports.document import Document

    sources = [f.source for f in Document.from_dict(bulletin.document).figures()]
    assert {s["metric"] for s in sources} >= {"civility_sites_inspected", "civility_score",
                                              "civility_problems_found"}
    assert all(s["records"] is not None for s in sources)
    item = actions.set_bulletin_photo(acting_user=world["staff"], bulletin=bulletin, photo=photo,
                                      regions=[[0, 0, 100, 100]], caption="占道经营", checked=False)
    with pytest.raises(InvalidInput):  # not yet confirmed that faces and plates are blurred
        actions.publish_bulletin(acting_user=world["staff"], bulletin=bulletin)
    item = actions.set_bulletin_photo(acting_user=world["staff"], bulletin=bulletin, photo=photo,
                                      regions=[[0, 0, 100, 100]], caption="占道经营", checked=True)
    with item.image.open("rb") as f:
        blurred = Image.open(io.BytesIO(f.read())).convert("RGB")
    assert blurred.size == (200, 100)
    actions.publish_bulletin(acting_user=world["staff"], bulletin=bulletin)
    bulletin.refresh_from_db()
    assert bulletin.status == "published" and bulletin.size > 0
    with bulletin.file.open("rb") as f:
        provenance = read_provenance(io.BytesIO(f.read()))
    assert any(p["source"].get("metric") == "civility_score" for p in provenance.values())
    client = Client()
    assert client.login(username="wmb_staff", password=PASSWORD)
    assert client.get(f"/civility/bulletins/{bulletin.pk}/").status_code == 200
    assert client.get(f"/civility/bulletins/{bulletin.pk}/download/").status_code == 200


def test_document_review_return_needs_reason(world: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from taizhang.civility.tests.factories import std

    doc = actions.submit_document(acting_user=world["liaison_a"], standard=std(world["fw"], "S3"),
                                  unit=world["tree"].street_a, uploaded=SimpleUploadedFile("a.txt", b"plan"))
    with pytest.raises(InvalidInput):
        actions.review_document(acting_user=world["staff"], submission=doc, accept=False)
    with pytest.raises(InvalidInput):  # S1 is a field standard
        actions.submit_document(acting_user=world["liaison_a"], standard=std(world["fw"], "S1"),
                                unit=world["tree"].street_a, uploaded=SimpleUploadedFile("a.txt", b"x"))
    actions.review_document(acting_user=world["staff"], submission=doc, accept=False, reason="缺少盖章")
    doc.refresh_from_db()
    assert doc.status == "returned" and doc.reason == "缺少盖章"


@pytest.mark.parametrize("path", ["/civility/score/?period=2024-05", "/civility/problems/", "/civility/sites/",
                                  "/civility/rounds/?period=2024-05", "/civility/frameworks/",
                                  "/civility/documents/", "/civility/surveys/", "/civility/bulletins/",
                                  "/civility/titles/", "/civility/inspect/", "/civility/inspections/",
                                  "/civility/sw.js", "/api/civility/score/?period=2024-05", "/api/civility/sites/"])
def test_pages_render(world: dict[str, Any], path: str) -> None:
    inspect(world["market"], world["fw"], {"S1": True, "S2": False}, D(2024, 5, 6))
    client = Client()
    assert client.login(username="wmb_staff", password=PASSWORD)
    response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    fw_page = client.get(f"/civility/frameworks/{world['fw'].pk}/")
    assert fw_page.status_code == 200 and "已有测评数据" in fw_page.content.decode()
