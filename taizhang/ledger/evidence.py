"""Evidence (佐证材料) of a record: photos, documents and links. Added and removed only while the record is editable.

Actions in the sense of docs/architecture.md: keyword-only `acting_user`, validation first, one transaction,
RecordEvent and audit rows, `core.errors` exceptions with Chinese messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.core.uploads import EVIDENCE_TYPES, IMAGE_TYPES, CheckedFile, check_upload
from taizhang.ledger.models import Evidence, Record, RecordEvent
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

MAX_FILES_PER_UPLOAD = 20
MAX_EVIDENCE_PER_RECORD = 100
_url_validator = URLValidator(schemes=["http", "https"])


def _check_can_edit(acting_user: Any, record: Record) -> Record:
    """Permission and state, re-read under a row lock so a concurrent submit cannot slip in between."""
    if acting_user is not None and not can_in_unit(acting_user, Cap.EDIT_RECORDS, record.unit):
        raise NotPermitted("您不能修改该单位记录的佐证材料。")
    current = Record.objects.select_for_update().get(pk=record.pk)
    if not current.is_editable:
        raise InvalidTransition(
            f"“{current.get_status_display()}”状态的记录不能修改佐证材料；只有草稿或被退回的记录可以上传或删除。"
        )
    return current


def _event(record: Record, action: str, user: Any, comment: str) -> None:
    RecordEvent.objects.create(
        record=record, action=action, from_status=record.status, to_status=record.status,
        user=user if getattr(user, "is_authenticated", False) else None, comment=comment,
    )


@transaction.atomic
def add_evidence(
    *, acting_user: Any, record: Record, files: Sequence[Any] = (), url: str = "", link_title: str = ""
) -> list[Evidence]:
    """Attach uploaded files and/or one link. Every file is checked first; if one is refused nothing is stored."""
    record = _check_can_edit(acting_user, record)
    url = (url or "").strip()
    if not files and not url:
        raise InvalidInput("请选择要上传的文件或填写链接", {"file": ["请选择要上传的文件"]})
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise InvalidInput(f"一次最多上传 {MAX_FILES_PER_UPLOAD} 个文件", {"file": ["文件过多"]})
    existing = Evidence.objects.filter(record=record).count()
    if existing + len(files) + (1 if url else 0) > MAX_EVIDENCE_PER_RECORD:
        raise InvalidInput(f"每条记录最多 {MAX_EVIDENCE_PER_RECORD} 份佐证材料", {"file": ["佐证材料过多"]})
    checked: list[tuple[Any, CheckedFile]] = []
    for f in files:
        try:
            checked.append((f, check_upload(f, EVIDENCE_TYPES)))
        except InvalidInput as exc:
            name = getattr(f, "name", "") or ""
            message = f"“{name[:60]}”：{exc.message}" if len(files) > 1 else exc.message
            raise InvalidInput(message, {"file": [message]}) from exc
    if url:
        try:
            _url_validator(url)
        except ValidationError as exc:
            message = "链接格式不正确，请填写以 http:// 或 https:// 开头的完整网址"
            raise InvalidInput(message, {"url": ["链接格式不正确"]}) from exc
        if len(url) > 200:
            raise InvalidInput("链接过长（最多 200 个字符）", {"url": ["链接过长"]})

    created: list[Evidence] = []
    stored: list[str] = []
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    try:
        for f, info in checked:
            evidence = Evidence(
                record=record, kind=Evidence.Kind.PHOTO if info.kind in IMAGE_TYPES else Evidence.Kind.DOCUMENT,
                original_name=info.safe_name, content_type=info.content_type, size=info.size, sha256=info.sha256,
                uploaded_by=user,
            )
            f.seek(0)
            evidence.file.save(info.safe_name, f, save=False)
            stored.append(evidence.file.name)
            evidence.save()
            created.append(evidence)
        if url:
            created.append(
                Evidence.objects.create(
                    record=record, kind=Evidence.Kind.LINK, url=url,
                    original_name=(link_title.strip() or url)[:200], uploaded_by=user,
                )
            )
    except Exception:
        # The transaction rolls back; files already written must not stay behind as orphans.
        storage = Evidence._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    for evidence in created:
        audit.record("create", evidence, user=acting_user, after=audit.snapshot(evidence),
                     message=f"记录 #{record.pk} 的佐证材料")
    names = "、".join(e.original_name for e in created)
    _event(record, "evidence_add", acting_user, f"添加佐证材料：{names}"[:1000])
    return created


@transaction.atomic
def remove_evidence(*, acting_user: Any, evidence: Evidence) -> None:
    """Delete one piece of evidence; its file is removed from storage once the transaction commits."""
    record = _check_can_edit(acting_user, evidence.record)
    before = audit.snapshot(evidence)
    name = evidence.file.name if evidence.file else ""
    label = evidence.original_name or evidence.url
    audit.record("delete", evidence, user=acting_user, before=before, message=f"记录 #{record.pk} 的佐证材料")
    evidence.delete()
    _event(record, "evidence_del", acting_user, f"删除佐证材料：{label}"[:1000])
    if name and not Evidence.objects.filter(file=name).exists():
        # Revisions copy evidence rows and share the stored file: delete it only when nobody refers to it.
        storage = Evidence._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(name))
