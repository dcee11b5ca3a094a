"""A small framework, sites and helpers for the civility tests (built through the actions)."""

from __future__ import annotations

import datetime
import io
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taizhang.civility import actions
from taizhang.civility.models import Framework, Site, Standard


def when(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def framework(owner: Any) -> Framework:
    """P1 公共环境 (S1 4分 market; S2 6分 market+back street, field) and P2 公共服务 (S3 5分 document, S4 10分
    survey)."""
    fw = actions.create_framework(acting_user=None, key="county", name="县级测评体系", owner=owner)
    p1 = actions.add_project(acting_user=None, framework=fw, key="P1", name="公共环境")
    c1 = actions.add_content(acting_user=None, project=p1, key="C1", name="市容环境")
    actions.add_standard(acting_user=None, content=c1, code="S1", text="地面干净无垃圾", points="4",
                         method="field", site_types=["market"])
    actions.add_standard(acting_user=None, content=c1, code="S2", text="无占道经营", points="6", method="field",
                         site_types=["market", "back_street"])
    p2 = actions.add_project(acting_user=None, framework=fw, key="P2", name="公共服务")
    c2 = actions.add_content(acting_user=None, project=p2, key="C2", name="服务保障")
    actions.add_standard(acting_user=None, content=c2, code="S3", text="有创建工作方案", points="5",
                         method="document")
    actions.add_standard(acting_user=None, content=c2, code="S4", text="群众满意度", points="10", method="survey")
    actions.activate_framework(acting_user=None, framework=fw)
    return fw


def std(fw: Framework, code: str) -> Standard:
    return Standard.objects.get(framework=fw, code=code)


def site(unit: Any, code: str, site_type: str = "market", name: str | None = None) -> Site:
    return actions.create_site(acting_user=None, code=code, type=site_type, name=name or f"点位{code}", unit=unit)


def inspect(site_obj: Site, fw: Framework, results: dict[str, bool], day: datetime.date, *, user: Any = None,
            photos: list[dict[str, Any]] | None = None) -> Any:
    answers = [{"standard": std(fw, code).pk, "met": met, "note": "" if met else f"{code}不达标"}
               for code, met in results.items()]
    inspection, _created = actions.submit_inspection(
        acting_user=user, uuid=uuid.uuid4(), site=site_obj, answers=answers, framework=fw,
        submitted_at=when(day), photos=photos or [], confirm_unrated=True)
    return inspection


def jpeg(name: str = "p.jpg", size: tuple[int, int] = (64, 48), exif: bool = False) -> SimpleUploadedFile:
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        info = Image.Exif()
        info[0x010F] = "TestCam"  # Make
        info[0x0132] = "2024:05:06 09:30:00"  # DateTime
        image.save(out, "JPEG", exif=info.tobytes())
    else:
        image.save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def xlsx(rows: list[list[Any]]) -> bytes:
    from taizhang.civility.xlsx import write_rows

    return write_rows([str(c) for c in rows[0]], rows[1:])
