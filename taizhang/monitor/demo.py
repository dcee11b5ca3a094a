"""Demo monitoring for the 万柏林 district: sources, watch lists, a few thousand items over the last three days
(THUCNews articles and headlines, some with the district's place names planted, plus five local matters), live
incidents with a burst, alerts, an assignment with a recorded public response, an overdue assignment, placement
proposals, and the daily brief of yesterday and today.

Everything goes through the same code as live monitoring: ``actions.ingest_items`` then ``store.process_batch``,
in publication order. Nothing is fetched from the network (the feed source is created disabled).
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

from django.utils import timezone

from taizhang.core.demo import DemoContext
from taizhang.monitor import actions, conf
from taizhang.monitor.models import AlertChannel, Incident, IngestBatch, Source
from taizhang.monitor.store import process_batch

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLACES = ["万柏林区", "万柏林", "解放街道", "迎泽街道", "柳巷街道", "桥西街道", "庙前街道", "郝庄镇", "杨家堡镇"]

WATCHLISTS = [
    ("wbl", "万柏林（地名）", "place",
     "万柏林 OR 万柏林区 OR 解放街道 OR 迎泽街道 OR 柳巷街道 OR 桥西街道 OR 庙前街道 OR 郝庄镇 OR 杨家堡镇",
     "本区及街道、乡镇名称：识别涉及本地的信息"),
    ("offices", "区直单位", "office", "(万柏林 OR 万柏林区) AND (区教育局 OR 区城市管理局 OR 区住房和城乡建设局 OR "
     "区市场监督管理局 OR 区卫生健康委员会)", ""),
    ("demolition", "拆迁补偿", "topic",
     "(万柏林 OR 万柏林区 OR 郝庄镇) AND (拆迁 OR 补偿 OR 安置 OR 棚户区) NOT 招聘", ""),
    ("school", "校园安全", "topic",
     "(万柏林 OR 万柏林区) AND (学校 OR 食堂 OR 学生 OR 家长) NOT (招生简章 OR 招聘)", ""),
    ("livelihood", "民生诉求", "topic",
     "(万柏林 OR 万柏林区 OR 解放街道 OR 迎泽街道) AND (积水 OR 噪音 OR 停水 OR 投诉 OR 拥堵)", ""),
]

MATTERS: dict[str, dict[str, Any]] = {
    "demolition": {
        "place": "万柏林区郝庄镇西山片区棚户区改造",
        "sentences": [
            "郝庄镇西山片区棚户区改造拆迁补偿标准引发部分居民质疑",
            "多名居民反映安置房交付时间一再推迟，补偿款发放进度缓慢",
            "有村民称评估价格明显低于周边房价，希望有关部门公开补偿方案",
            "记者在现场看到，部分已拆除房屋的居民仍在外租房过渡",
            "居民希望镇里尽快公布安置房建设进度和补偿发放时间表",
            "网友发帖称拆迁补偿款被拖欠半年，引发大量转发和评论",
            "也有居民表示对棚户区改造总体支持，但希望补偿更透明",
        ],
        "sources": ["本地论坛", "微博网友", "今日头条号", "山西日报"],
        "voices": [
            "补偿款拖了半年还没到账，安置房也遥遥无期，太让人寒心了",
            "拆迁时说得好好的，现在补偿标准一压再压，老百姓真的太难了",
            "评估价比周边房价低一大截，这样的补偿谁能接受？气死了",
            "去镇里问了好几次都说等通知，投诉无门，谁来管管",
        ],
    },
    "school": {
        "place": "万柏林区实验小学食堂",
        "sentences": [
            "有家长反映区实验小学食堂饭菜分量不足、价格偏高",
            "家长在群里晒出学生午餐照片，质疑食堂食材是否新鲜",
            "多名家长希望学校公开食堂承包合同和食材采购渠道",
            "区教育局回应称已关注到家长反映的学校食堂问题",
            "部分学生家长建议建立家长陪餐制度，加强食堂监督",
        ],
        "sources": ["家长论坛", "微博网友", "本地论坛"],
        "voices": [
            "孩子回家说食堂饭菜又少又难吃，当家长的真是心疼又生气",
            "晒出来的午餐照片看得人心寒，这就是给孩子吃的？",
            "每天给孩子带饭都来不及，食堂却越来越差，家长们都很失望",
            "食堂饭菜馊了还给孩子吃，出了事谁负责？太可怕了",
        ],
    },
    "waterlogging": {
        "place": "万柏林区迎泽街道和平北路积水",
        "sentences": [
            "昨夜降雨后迎泽街道和平北路段出现严重积水，车辆拥堵",
            "市民拍摄视频显示积水没过车轮，多辆车辆熄火",
            "有网友投诉该路段每逢下雨就积水，希望尽快改造排水管网",
            "早高峰期间附近路口拥堵近一小时，公交改道绕行",
        ],
        "sources": ["微博网友", "本地论坛", "短视频平台"],
        "voices": [
            "一下雨就淹，车都泡坏了，年年说改造年年没动静，真无语",
            "早高峰堵了一个小时，上班迟到被扣钱，太糟心了",
        ],
    },
    "noise": {
        "place": "万柏林区解放街道工地夜间施工噪音",
        "sentences": [
            "解放街道建设社区居民投诉附近工地夜间施工噪音扰民",
            "居民称工地晚上十一点以后仍在作业，严重影响休息",
            "有居民已多次拨打热线投诉，希望街道协调施工时间",
        ],
        "sources": ["本地论坛", "微博网友"],
        "voices": [
            "半夜十二点还在施工，吵得根本睡不着，投诉了也没用",
            "连续一周被噪音吵醒，老人孩子都受不了，烦死了",
        ],
    },
    "volunteer": {
        "place": "万柏林区新时代文明实践志愿服务",
        "sentences": [
            "万柏林区新时代文明实践志愿服务活动惠及社区居民",
            "志愿者走进社区为老人提供义诊、理发等便民服务，居民纷纷点赞",
            "万柏林区文明实践站开展暖心服务，群众满意度持续提升",
            "万柏林区志愿服务队荣获全省优秀志愿服务组织称号",
        ],
        "sources": ["人民网", "山西日报", "黄河新闻网"],
        "urls": ["http://sx.people.com.cn/n2/wbl{n}.html", "https://www.sxrb.com/wbl/{n}.html",
                 "https://www.sxgov.cn/content/wbl{n}.html"],
    },
}


FILLERS = [
    "不少网友在评论区留言讨论", "有网友表示还没有看到答复", "相关话题在本地社交平台引发讨论",
    "记者多次联系相关负责人", "有市民拨打了市长热线反映情况", "当天下午相关视频的播放量明显上升",
    "一些网友转发时附上了现场照片", "也有网友认为应当理性看待", "据了解相关部门已经介入",
    "附近商户也反映了类似情况", "截至发稿时事情仍在进一步处理中", "多位受访者希望尽快得到答复",
    "有关情况本报将继续关注", "部分网友对处理进度表示关切", "据现场工作人员介绍情况正在核实",
]


def _read_fixtures() -> tuple[list[tuple[str, str]], list[str]]:
    arts = []
    with open(FIXTURES / "thucnews_articles_200.txt", encoding="utf-8") as fh:
        for line in fh:
            cls, text = line.rstrip("\n").split("\t", 1)
            arts.append((cls, text))
    heads = [h.strip() for h in (FIXTURES / "thucnews_headlines_1000.txt").read_text(encoding="utf-8").splitlines()]
    return arts, [h for h in heads if h]


def _background(rng: random.Random, n: int, start: datetime.datetime, end: datetime.datetime) -> list[dict[str, Any]]:
    arts, heads = _read_fixtures()
    span = (end - start).total_seconds()
    outlets = ["新浪新闻", "搜狐新闻", "网易新闻", "腾讯新闻", "凤凰网", "今日头条号", "百家号"]
    items = []
    for i in range(n):
        _cls, text = arts[rng.randrange(len(arts))]
        cut = rng.randrange(0, max(1, len(text) - 200))
        body = text[cut:cut + rng.randrange(150, 400)]
        if rng.random() < 0.015:  # the district named in passing: matches the place list, rarely an incident
            pos = rng.randrange(0, max(1, len(body) - 1))
            body = body[:pos] + f"（{rng.choice(PLACES)}）" + body[pos:]
        at = start + datetime.timedelta(seconds=rng.random() * span)
        items.append({"title": heads[i % len(heads)], "text": body, "url": f"https://news.example.com/{i}.html",
                      "published_at": at.isoformat(), "source": rng.choice(outlets)})
    return items


def _matter(rng: random.Random, key: str, n: int, start: datetime.datetime, minutes: float,
            reprints: float = 0.25) -> list[dict[str, Any]]:
    spec = MATTERS[key]
    items: list[dict[str, Any]] = []
    for i in range(n):
        at = start + datetime.timedelta(minutes=rng.random() * minutes)
        if items and rng.random() < reprints:  # a reprint of an earlier post
            orig = rng.choice(items)
            prefix = rng.choice(["转发：", "【转】", "//@网友：", ""])
            items.append({**orig, "text": prefix + orig["text"], "url": f"https://repost.example.com/{key}/{i}",
                          "published_at": at.isoformat(), "source": rng.choice(["微博网友", "今日头条号"])})
            continue
        chosen = rng.sample(spec["sentences"], k=min(len(spec["sentences"]), rng.randrange(1, 3)))
        fillers = rng.sample(FILLERS, k=2)
        text = (f"{spec['place']}：" + "。".join(chosen) + f"。{fillers[0]}，{rng.randrange(3, 300)}人参与讨论。"
                f"{fillers[1]}。")
        if spec.get("voices") and rng.random() < 0.7:  # a post that opens in the public's own words
            text = f"{rng.choice(spec['voices'])}！" + text
        url = f"https://forum.example.com/{key}/{i}"
        source = rng.choice(spec["sources"])
        if "urls" in spec:
            k = rng.randrange(len(spec["urls"]))
            url = spec["urls"][k].format(n=i)
            source = spec["sources"][k]
        items.append({"title": chosen[0][:40], "text": text, "url": url, "published_at": at.isoformat(),
                      "source": source})
    return items


def build(ctx: DemoContext) -> None:
    rng = random.Random(ctx.seed + 7)
    scale = float(getattr(ctx, "scale", 1.0))
    now = timezone.now()
    end = now if ctx.today >= timezone.localdate() else timezone.make_aware(
        datetime.datetime.combine(ctx.today, datetime.time(20, 0)))
    start = end - datetime.timedelta(hours=60)

    for key, name, purpose, expression, description in WATCHLISTS:
        actions.create_watchlist(acting_user=None, key=key, name=name, purpose=purpose, expression=expression,
                                 description=description)
    data_dir = conf.import_dir()  # file sources read only from TAIZHANG_MONITOR_IMPORT_DIR, by name
    export = data_dir / "platform-export.csv"
    file_source, _ = actions.create_source(acting_user=None, name="舆情平台导出文件", kind=Source.Kind.FILE,
                                           url=export.name, schedule_minutes=60)
    api_source, token = actions.create_source(acting_user=None, name="区融媒体中心采集接口", kind=Source.Kind.API)
    actions.create_source(acting_user=None, name="示例：人民网山西频道（RSS）", kind=Source.Kind.FEED,
                          url="http://sx.people.com.cn/rss/shanxi.xml", enabled=False, schedule_minutes=30)
    actions.save_channel(acting_user=None, name="值班邮箱", kind=AlertChannel.Kind.EMAIL, target="duty@example.gov.cn",
                         min_grade="major", quiet_start=datetime.time(22, 0), quiet_end=datetime.time(7, 0),
                         enabled=False)
    actions.save_channel(acting_user=None, name="舆情值班群（企业微信）", kind=AlertChannel.Kind.WEBHOOK,
                         target="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo", format="wecom",
                         enabled=False)

    items = _background(rng, int(2400 * scale), start, end)
    items += _matter(rng, "demolition", 25, end - datetime.timedelta(hours=20), 600)
    items += _matter(rng, "demolition", 40, end - datetime.timedelta(hours=2, minutes=30), 8, reprints=0.35)
    items += _matter(rng, "school", 30, end - datetime.timedelta(hours=40), 1200)
    items += _matter(rng, "waterlogging", 18, end - datetime.timedelta(hours=9), 240)
    items += _matter(rng, "noise", 8, end - datetime.timedelta(hours=30), 600)
    items += _matter(rng, "volunteer", 12, end - datetime.timedelta(hours=26), 900, reprints=0.0)
    items.sort(key=lambda it: it["published_at"])
    # the last hour's posts arrive through the platform export file (the file source)
    cut = end - datetime.timedelta(hours=1)
    live = [it for it in items if it["published_at"] < cut.isoformat()]
    from_file = [it for it in items if it["published_at"] >= cut.isoformat()]
    api_part = live[: len(live) // 10]
    batches = [live[i:i + 400] for i in range(0, len(live), 400)]
    stored = 0
    for n, chunk in enumerate(batches):
        source = api_source if n % 5 == 0 else None
        batch, _ = actions.ingest_items(acting_user=None, items=chunk, source=source,
                                        origin=IngestBatch.Origin.API if source else IngestBatch.Origin.CLI,
                                        limit=None, client_key=f"demo-{n}" if source else "")
        stored += process_batch(batch.pk).stored
    _write_export(export, from_file)
    from taizhang.monitor.poll import poll_source

    polled = poll_source(file_source.pk)
    if polled.batch_id:
        stored += process_batch(polled.batch_id).stored
    _handle_incidents(ctx, now)
    actions.generate_daily_brief(acting_user=None, day=ctx.today - datetime.timedelta(days=1))
    actions.generate_daily_brief(acting_user=None, day=ctx.today)
    incidents = Incident.objects.filter(items_count__gte=2).count()
    ctx.log(f"舆情监测：{stored}条信息（{len(api_part) and '含接口推送、'}文件导入），{incidents}个舆情事件；"
            f"接口推送令牌（演示）：{token}")


def _write_export(path: Path, items: list[dict[str, Any]]) -> None:
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["标题", "正文", "链接", "发布时间", "来源"])
        for it in items:
            writer.writerow([it["title"], it["text"], it["url"], it["published_at"], it["source"]])


def _find(*terms: str) -> Incident | None:
    """The largest stored incident whose label or key terms mention one of ``terms``."""
    for inc in Incident.objects.filter(items_count__gte=2).order_by("-items_count", "pk"):
        words = " ".join([inc.label, *inc.key_terms])
        if any(t in words for t in terms):
            return inc
    return None


def _handle_incidents(ctx: DemoContext, now: datetime.datetime) -> None:
    staff = ctx.users.get("staff")
    units = ctx.units
    demolition = _find("棚户区", "补偿", "拆迁")
    if demolition is not None and "HT" in units:
        actions.assign_incident(acting_user=staff, incident=demolition, expected_version=demolition.version,
                                unit=units["HT"],
                                note="请核实西山片区补偿款发放和安置房交付情况，尽快通过政务新媒体公开说明。")
        demolition.refresh_from_db()
        actions.record_response(
            acting_user=staff, incident=demolition, unit=units["HT"], where="“万柏林发布”微信公众号",
            published_at=now - datetime.timedelta(minutes=20), url="https://www.example.gov.cn/wbl/notice/2024-1.html",
            published_text="郝庄镇发布西山片区棚户区改造补偿安置情况说明：已发放补偿款的户数、剩余款项发放时间表及"
                           "安置房交付计划，并公布咨询电话。",
        )
    school = _find("食堂", "家长")
    if school is not None and "EDU" in units:
        from taizhang.cases.escalation import escalate_overdue
        from taizhang.cases.models import Case

        actions.assign_incident(acting_user=staff, incident=school, expected_version=school.version,
                                unit=units["EDU"], note="请核实并公开回应。")
        Case.objects.for_subject(school).update(deadline=timezone.localdate(now) - datetime.timedelta(days=2))  # late
        escalate_overdue(now)
    noise = _find("噪音", "施工", "工地")
    if noise is not None and "JF" in units:
        actions.assign_incident(acting_user=staff, incident=noise, expected_version=noise.version, unit=units["JF"],
                                note="请协调施工单位并答复居民。")
