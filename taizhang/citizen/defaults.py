"""The shipped 随手拍 categories (data: staff may change them; the migration loads them once)."""

from __future__ import annotations

from typing import Any

CATEGORIES: list[dict[str, Any]] = [
    {"key": "illegal_parking", "name": "乱停车", "group": "交通秩序", "sla_working_days": 3,
     "description": "机动车、非机动车乱停乱放，占用人行道、盲道、消防通道", "keywords": "停车,占道,消防通道",
     "attributes": [
         {"code": "vehicle", "label": "车辆类型", "datatype": "singlevaluelist", "required": True,
          "values": [{"key": "car", "name": "机动车"}, {"key": "ebike", "name": "电动车"},
                     {"key": "bike", "name": "共享单车"}]},
         {"code": "blocking", "label": "占用的地方", "datatype": "multivaluelist", "required": False,
          "values": [{"key": "sidewalk", "name": "人行道"}, {"key": "blind", "name": "盲道"},
                     {"key": "fire", "name": "消防通道"}]},
     ]},
    {"key": "street_vending", "name": "占道经营", "group": "市容秩序", "sla_working_days": 3,
     "description": "店外经营、流动摊贩占用道路", "keywords": "摊贩,店外经营",
     "attributes": [
         {"code": "kind", "label": "经营类型", "datatype": "singlevaluelist", "required": True,
          "values": [{"key": "shop", "name": "店外经营"}, {"key": "mobile", "name": "流动摊贩"}]},
         {"code": "shop_name", "label": "店招名称（如有）", "datatype": "string", "required": False},
     ]},
    {"key": "garbage", "name": "垃圾堆放", "group": "环境卫生", "sla_working_days": 2,
     "description": "垃圾乱堆乱放、垃圾桶满溢、建筑垃圾", "keywords": "垃圾,满溢,建筑垃圾",
     "attributes": [
         {"code": "amount", "label": "大约多少", "datatype": "singlevaluelist", "required": False,
          "values": [{"key": "few", "name": "零星"}, {"key": "pile", "name": "成堆"},
                     {"key": "large", "name": "大面积"}]},
     ]},
    {"key": "facility_damage", "name": "设施损坏", "group": "公共设施", "sla_working_days": 5,
     "description": "路灯、井盖、护栏、座椅、公益广告牌等损坏", "keywords": "井盖,路灯,护栏",
     "attributes": [
         {"code": "facility", "label": "损坏的设施", "datatype": "singlevaluelist", "required": True,
          "values": [{"key": "manhole", "name": "井盖"}, {"key": "lamp", "name": "路灯"},
                     {"key": "rail", "name": "护栏"}, {"key": "sign", "name": "公益广告牌"},
                     {"key": "other", "name": "其他"}]},
         {"code": "danger", "label": "是否有安全隐患", "datatype": "singlevaluelist", "required": False,
          "values": [{"key": "yes", "name": "有"}, {"key": "no", "name": "没有"}]},
     ]},
    {"key": "uncivil_behaviour", "name": "不文明行为", "group": "文明行为", "sla_working_days": 3,
     "description": "随地吐痰、乱扔垃圾、乱涂乱画、遛狗不牵绳等", "keywords": "乱扔,涂鸦,遛狗",
     "attributes": [
         {"code": "behaviour", "label": "行为", "datatype": "singlevaluelist", "required": False,
          "values": [{"key": "litter", "name": "乱扔垃圾"}, {"key": "graffiti", "name": "乱涂乱画"},
                     {"key": "dog", "name": "遛狗不牵绳"}, {"key": "other", "name": "其他"}]},
     ]},
    {"key": "other", "name": "其他问题", "group": "其他", "sla_working_days": 5,
     "description": "不属于以上类别的文明城市创建问题", "keywords": "", "attributes": []},
]


def load(category_model: Any) -> int:
    created = 0
    for order, data in enumerate(CATEGORIES, start=1):
        _obj, was_created = category_model.objects.get_or_create(
            key=data["key"], defaults={**{k: v for k, v in data.items() if k != "key"}, "sort_order": order * 10})
        created += int(was_created)
    return created
