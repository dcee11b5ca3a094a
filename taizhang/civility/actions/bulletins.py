"""Bulletins: draft from the figures, choose photos (blurred copies), publish the .docx. A photo is published only
once staff have blurred faces and number plates and ticked that they checked it."""

from __future__ import annotations

import datetime
import hashlib
import io
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from taizhang.civility.actions.common import invalid, require
from taizhang.civility.models import BulletinPhoto, CivilityBulletin, Photo
from taizhang.civility.periods import parse_spec
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.org.models import Unit
from taizhang.org.roles import Cap

MAX_PHOTOS = 12


@transaction.atomic
def create_bulletin(*, acting_user: Any, owner: Unit, kind: str, period_spec: str,
                    issued_on: datetime.date | None = None) -> CivilityBulletin:
    from taizhang.civility.bulletin import build_document

    require(acting_user, Cap.MANAGE_WORK, owner, "只有文明办可以编制通报")
    if kind not in CivilityBulletin.Kind.values:
        raise invalid("kind", "请选择周通报或月通报")
    period = parse_spec(period_spec)
    day = issued_on or timezone.localdate()
    doc = build_document(owner, period, kind, issued_on=day)
    if doc is None:
        raise InvalidInput("该期间没有可用的测评体系或测评数据", {"period": ["该期间没有测评数据"]})
    bulletin = CivilityBulletin.objects.create(owner=owner, kind=kind, period_spec=period.spec, title=doc.title,
                                               issued_on=day, document=doc.to_dict(), created_by=acting_user)
    audit.record("create", bulletin, user=acting_user, message=bulletin.title)
    return bulletin


def _draft(bulletin: CivilityBulletin) -> None:
    if bulletin.status != CivilityBulletin.Status.DRAFT:
        raise InvalidTransition("通报已发布，不能再修改")


@transaction.atomic
def set_bulletin_photo(*, acting_user: Any, bulletin: CivilityBulletin, photo: Photo, regions: list[list[int]],
                       caption: str = "", checked: bool = False) -> BulletinPhoto:
    """Add (or update) a photo of the bulletin: the blurred copy is made now, from the stored photo."""
    from taizhang.civility.photos import blurred

    require(acting_user, Cap.MANAGE_WORK, bulletin.owner)
    _draft(bulletin)
    item = BulletinPhoto.objects.filter(bulletin=bulletin, photo=photo).first()
    if item is None and bulletin.photos.count() >= MAX_PHOTOS:
        raise invalid("photo", f"一期通报最多选用{MAX_PHOTOS}张照片")
    with photo.image.open("rb") as f:
        data = f.read()
    copy = blurred(data, regions)
    if item is None:
        item = BulletinPhoto(bulletin=bulletin, photo=photo, sort_order=bulletin.photos.count() + 1)
    if item.image:
        item.image.delete(save=False)
    item.regions = regions
    item.caption = str(caption or "")[:200]
    item.checked = bool(checked)
    item.image.save("blurred.jpg", ContentFile(copy), save=False)
    item.save()
    audit.record("update", bulletin, user=acting_user,
                 message=f"通报照片{photo.pk}：模糊区域{len(regions)}处，{'已' if checked else '未'}确认")
    return item


@transaction.atomic
def remove_bulletin_photo(*, acting_user: Any, item: BulletinPhoto) -> None:
    require(acting_user, Cap.MANAGE_WORK, item.bulletin.owner)
    _draft(item.bulletin)
    if item.image:
        item.image.delete(save=False)
    item.delete()


def render_docx(bulletin: CivilityBulletin) -> bytes:
    """The GB/T 9704 document of the shared writer, with the chosen (blurred) photos appended."""
    from docx import Document as WordDocument
    from docx.shared import Cm

    from taizhang.reports.document import Document
    from taizhang.reports.docwriter import write_docx

    doc = Document.from_dict(bulletin.document)
    out = io.BytesIO()
    write_docx(doc, out, provenance=True, appendix=True)
    items = list(bulletin.photos.order_by("sort_order", "id"))
    if not items:
        return out.getvalue()
    out.seek(0)
    word = WordDocument(out)
    word.add_paragraph("附：现场照片（已对人脸、车牌作模糊处理）")
    for item in items:
        with item.image.open("rb") as f:
            word.add_picture(io.BytesIO(f.read()), width=Cm(14))
        word.add_paragraph(item.caption or "")
    final = io.BytesIO()
    word.save(final)
    return final.getvalue()


@transaction.atomic
def publish_bulletin(*, acting_user: Any, bulletin: CivilityBulletin) -> CivilityBulletin:
    require(acting_user, Cap.MANAGE_WORK, bulletin.owner, "只有文明办可以发布通报")
    _draft(bulletin)
    unchecked = [i for i in bulletin.photos.all() if not i.checked]
    if unchecked:
        raise InvalidInput("有照片尚未确认已模糊人脸和车牌，不能发布",
                           {"photos": [f"照片{i.photo_id}未确认" for i in unchecked]})
    data = render_docx(bulletin)
    bulletin.file.save("bulletin.docx", ContentFile(data), save=False)
    bulletin.filename = f"{bulletin.title}.docx"[:200]
    bulletin.sha256 = hashlib.sha256(data).hexdigest()
    bulletin.size = len(data)
    bulletin.status = CivilityBulletin.Status.PUBLISHED
    bulletin.published_at = timezone.now()
    bulletin.save()
    audit.record("publish", bulletin, user=acting_user, message=bulletin.title)
    return bulletin
