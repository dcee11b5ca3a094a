from __future__ import annotations

import io
from decimal import Decimal

import docx
import pytest
from django.utils import timezone

from taizhang.core.errors import InvalidTransition
from taizhang.core.testing import make_user
from taizhang.volunteers import actions, certificates
from taizhang.volunteers.tests.factories import make_team, make_volunteer

pytestmark = pytest.mark.django_db


def confirmed(tree, hours="120"):
    team = make_team(tree.street_a, "东城红马甲志愿服务队")
    v = make_volunteer(tree.community_a1)
    a, b = make_user("liaison", tree.street_a), make_user("liaison", tree.street_a)
    r = actions.add_manual_hours(acting_user=a, volunteer=v, team=team, day=timezone.localdate(),
                                 hours=Decimal(10), content="垃圾分类宣传")
    actions.second_approve(acting_user=b, record=r)
    return team, v, a


def test_issue_verify_revoke(tree):
    team, v, organiser = confirmed(tree)
    cert = certificates.issue_certificate(acting_user=organiser, volunteer=v, issuer=team, handler="王经办",
                                          contact="0571-88886666")
    assert cert.hours == Decimal("10.0") and cert.issuer_head == "李队长"
    assert certificates.verify(cert.number, cert.verify_code)[0] == "valid"
    assert certificates.verify(cert.number.lower(), cert.verify_code.upper())[0] == "valid"
    assert certificates.verify(cert.number) == ("missing", None)  # the number alone shows nothing
    assert certificates.verify(cert.number, "000000000000") == ("wrong", None)
    assert certificates.verify("ZYZM2099010100001", "000000000000") == ("wrong", None)  # the same answer
    assert certificates.verify("ZYZM2099010100001") == ("missing", None)
    certificates.revoke_certificate(acting_user=organiser, cert=cert, reason="时长记录有误")
    assert certificates.verify(cert.number, cert.verify_code)[0] == "revoked"
    assert certificates.verify(cert.number) == ("missing", None)  # nor whether it was revoked


def test_no_certificate_without_confirmed_hours(tree):
    team = make_team(tree.street_a)
    with pytest.raises(InvalidTransition):
        certificates.issue_certificate(acting_user=None, volunteer=make_volunteer(tree.community_a1), issuer=team)


def test_docx_has_the_required_items_and_masks_the_id(tree):
    team, v, organiser = confirmed(tree)
    cert = certificates.issue_certificate(acting_user=organiser, volunteer=v, issuer=team, handler="王经办",
                                          contact="0571-88886666")
    data = certificates.write_docx(cert)
    doc = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells)
    for item in (cert.number, "东城红马甲志愿服务队", "李队长", "王经办", "0571-88886666", v.real_name, "居民身份证",
                 v.number, "10", "垃圾分类宣传", cert.verify_code):
        assert item in text, item
    assert v.id_number not in text and v.id_number[-4:] in text
    assert doc.inline_shapes, "the verification QR image"
    cert.refresh_from_db()
    assert cert.generation_ms >= 0


def test_qr_link_is_absolute_from_the_request(tree, client):
    from taizhang.volunteers.tests.test_staff import client_for

    team, v, organiser = confirmed(tree)
    cert = certificates.issue_certificate(acting_user=organiser, volunteer=v, issuer=team)
    assert certificates.verify_url(cert, "https://pub.example.cn/volunteers/verify/") == (
        f"https://pub.example.cn/volunteers/verify/?number={cert.number}&code={cert.verify_code}")
    r = client_for(organiser).get(f"/volunteers/certificates/{cert.pk}/download/")
    assert r.status_code == 200 and r.content[:2] == b"PK"
