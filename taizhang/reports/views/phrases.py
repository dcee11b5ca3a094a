"""The phrase library page: staff edit the wording of summaries (data, not code) section by section."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, StaleObjectError
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required
from taizhang.reports import actions
from taizhang.reports.composer.phrases import default_library
from taizhang.reports.forms import PhraseSectionForm
from taizhang.reports.models import PhraseSection
from taizhang.reports.views.common import error_text

SECTION_LABELS = {
    "title": "标题", "opening": "开头段", "leaders": "领导表述（按单位类型）", "area": "范围用语（全区、全街道）",
    "period_words": "时间段用语", "replace_in_phrases": "句式中随时间段替换的词", "headings": "一级标题",
    "done_lead": "完成情况引言", "problems_lead": "存在问题引言", "plans_lead": "工作打算引言",
    "ordinals": "序号（一是……）",
    "groups": "二级标题及工作线分组", "other_group": "未分组工作线的标题", "lines": "各工作线的小标题（一是……）",
    "metrics": "各指标的备用句式", "metric_default": "指标缺少句式时的写法", "neutral_metrics": "不比较、不排名的指标",
    "unwritten_metrics": "不写入工作成绩的指标（个人积分、内部自查得分、短板数）",
    "same_concept": "统计同一项数据的指标对（文中只写一个）",
    "part_of": "部分与总数（部分指标 → 所属总数指标，如好人人数 → 选树典型人数）",
    "parts": "部分写在总数之后的表述（其中……）",
    "concept_prefer": "同一项数据优先采用（computed：系统计算；reported：台账填报）",
    "concept_note": "同一项数据只写一个时给撰稿人的提示",
    "more": "补充句式", "more_max": "补充句式最多列出的数据个数",
    "comparison": "同比表述", "rank": "排名表述", "peer_groups": "同级单位分组",
    "targets": "目标完成表述",
    "highlights": "亮点（规模最大的活动、重点稿件、阅读量最高的作品）", "problems": "候选问题表述",
    "template_boilerplate": "模板中要去掉的网页杂项", "version": "版本",
}


@require_GET
@cap_required(Cap.MANAGE_WORK)
def phrase_list(request: HttpRequest) -> HttpResponse:
    edited = {row.key: row for row in PhraseSection.objects.select_related("updated_by")}
    rows = [{"key": key, "label": SECTION_LABELS.get(key, key), "edited": edited.get(key)}
            for key in default_library() if key != "version"]
    return render(request, "reports/phrase_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def phrase_edit(request: HttpRequest, key: str) -> HttpResponse:
    defaults = default_library()
    if key not in defaults or key == "version":
        raise Http404("未知的句式分类")
    row = PhraseSection.objects.filter(key=key).first()
    current = row.value if row else defaults[key]
    form = PhraseSectionForm(request.POST or None, initial={
        "value": json.dumps(current, ensure_ascii=False, indent=2), "version": row.version if row else None,
    })
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_phrase_section(acting_user=request.user, key=key, value=form.cleaned_data["value"],
                                        expected_version=form.cleaned_data.get("version"))
        except (InvalidInput, StaleObjectError) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, f"“{SECTION_LABELS.get(key, key)}”已保存，新生成的总结将使用新句式。")
            return redirect("reports:phrase_list")
    return render(request, "reports/phrase_edit.html", {
        "key": key, "label": SECTION_LABELS.get(key, key), "form": form, "row": row,
        "default": json.dumps(defaults[key], ensure_ascii=False, indent=2),
    })


@require_POST
@cap_required(Cap.MANAGE_WORK)
def phrase_reset(request: HttpRequest, key: str) -> HttpResponse:
    actions.reset_phrase_section(acting_user=request.user, key=key)
    messages.success(request, f"“{SECTION_LABELS.get(key, key)}”已恢复默认。")
    return redirect("reports:phrase_list")
