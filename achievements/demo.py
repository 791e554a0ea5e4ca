"""The demo's achievements: a few hundred on the launched platforms, in every stage, written
through ``achievements.services`` by the people who would take each step; and the services their
cadres gave them, written through ``achievements.service_records`` (``seed_service_records``).

Deterministic and idempotent on any date: the draw is seeded with a constant, its dates counted
back from today (never before the platform's cadre took it on, never after today), and nothing is
written when the launched platforms already have achievements (seeded, or collected since).
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from issues.models import Issue
from liaison.models import BUREAU_STAFF_GROUP, Assignment, Unit

from . import service_records, services
from .models import (
    Achievement,
    AchievementType,
    Demand,
    Judgement,
    ServiceKind,
    ServiceRecord,
    Stage,
    TechnologyField,
    TransformationMode,
)
from .selectors import suggested_demands

SEED = 20260401

F = TechnologyField
#: A demo platform's ``technology_field`` -> the national high-tech field its results fall in.
NATIONAL_FIELD = {
    "新材料": F.NEW_MATERIALS,
    "有色金属与冶金": F.NEW_MATERIALS,
    "先进制造": F.ADVANCED_MANUFACTURING,
    "电子信息": F.ELECTRONIC_INFORMATION,
    "人工智能与大数据": F.ELECTRONIC_INFORMATION,
    "生物医药": F.BIOMEDICINE,
    "现代农业": F.BIOMEDICINE,
    "新能源与储能": F.NEW_ENERGY,
    "节能环保": F.RESOURCES_ENVIRONMENT,
    "交通运输": F.ADVANCED_MANUFACTURING,
    "土木建筑": F.RESOURCES_ENVIRONMENT,
    "文化创意": F.HIGH_TECH_SERVICES,
}
#: Platforms whose name says they work on flight or satellite navigation: aerospace.
AEROSPACE_WORDS = ("航空", "北斗", "导航", "卫星")

T = AchievementType
#: For each field: (the technique, the kind of result, its sub-field, its type).
TOPICS = {
    F.NEW_MATERIALS: [
        ("高镍三元正极材料", "低成本制备技术", "先进电池材料", T.PATENT),
        ("超细晶硬质合金", "成形与烧结工艺", "硬质合金", T.PATENT),
        ("碳化硅陶瓷", "近净成形技术", "先进陶瓷", T.PATENT),
        ("高性能碳纤维复合材料", "自动铺放工艺", "复合材料", T.KNOW_HOW),
        ("稀土永磁材料", "晶界扩散技术", "稀土功能材料", T.PATENT),
        ("高强韧铝合金", "短流程制备技术", "轻合金", T.PATENT),
        ("难冶金属", "绿色提取工艺", "有色冶金", T.KNOW_HOW),
    ],
    F.ADVANCED_MANUFACTURING: [
        ("工程机械", "远程运维与故障诊断系统", "工程机械智能化", T.SOFTWARE),
        ("金属增材制造", "大尺寸构件成形装备", "增材制造", T.PATENT),
        ("盾构机主轴承", "国产化设计与制造技术", "盾构装备", T.PATENT),
        ("五轴数控机床", "热误差补偿技术", "精密数控机床", T.PATENT),
        ("工业机器人", "视觉引导柔性装配系统", "工业机器人", T.SOFTWARE),
    ],
    F.ELECTRONIC_INFORMATION: [
        ("碳化硅功率器件", "封装与可靠性技术", "功率半导体", T.PATENT),
        ("MEMS智能传感器", "晶圆级封装工艺", "智能传感器", T.PATENT),
        ("工业控制系统", "安全防护平台", "网络安全", T.SOFTWARE),
        ("工业设计", "三维CAD内核", "工业软件", T.SOFTWARE),
        ("城市交通", "大数据分析与信号优化平台", "大数据分析", T.SOFTWARE),
        ("缺陷检测", "深度学习视觉检测系统", "计算机视觉", T.SOFTWARE),
    ],
    F.AEROSPACE: [
        ("北斗高精度定位", "终端模组", "北斗导航应用", T.PATENT),
        ("通用航空器", "复合材料机翼制造工艺", "通用航空", T.KNOW_HOW),
        ("无人机", "集群协同控制系统", "无人机", T.SOFTWARE),
    ],
    F.BIOMEDICINE: [
        ("肿瘤免疫治疗", "新型抗体药物", "肿瘤免疫治疗", T.NEW_DRUG_OR_DEVICE),
        ("中药经典名方", "复方制剂", "中药新药", T.NEW_DRUG_OR_DEVICE),
        ("多重核酸检测", "体外诊断试剂盒", "体外诊断", T.NEW_DRUG_OR_DEVICE),
        ("眼科手术", "机器人辅助系统", "高端医疗器械", T.NEW_DRUG_OR_DEVICE),
        ("医学影像", "AI辅助诊断软件", "医学影像", T.SOFTWARE),
    ],
    F.NEW_ENERGY: [
        ("退役动力电池", "梯次利用与再生技术", "动力电池回收利用", T.PATENT),
        ("碱性电解水制氢", "高效电极", "氢能", T.PATENT),
        ("钒液流电池", "储能系统集成技术", "先进储能", T.KNOW_HOW),
        ("配电网", "智能巡检与故障定位系统", "智能电网", T.SOFTWARE),
    ],
    F.RESOURCES_ENVIRONMENT: [
        ("重金属污染耕地", "原位钝化修复技术", "土壤修复", T.PATENT),
        ("工业固废", "建材资源化利用技术", "固体废物资源化", T.PATENT),
        ("城市黑臭水体", "生态治理技术", "水环境治理", T.KNOW_HOW),
        ("滑坡", "监测预警系统", "地质灾害防治", T.SOFTWARE),
        ("装配式建筑", "节点连接技术", "绿色建筑", T.PATENT),
    ],
    F.HIGH_TECH_SERVICES: [
        ("超高清视频", "智能制作与分发平台", "超高清视频", T.SOFTWARE),
        ("虚拟现实", "文旅沉浸式体验系统", "虚拟现实", T.SOFTWARE),
        ("检验检测", "共享服务平台", "检验检测服务", T.OTHER),
    ],
}

#: Platforms whose results are narrower than their national field: their demo field's own topics.
DEMO_TOPICS = {
    "现代农业": [
        ("杂交水稻", "高产抗倒伏新品种", "杂交水稻", T.NEW_VARIETY),
        ("油茶", "高产良种及配套栽培技术", "油茶", T.NEW_VARIETY),
        ("生猪", "非洲猪瘟快速检测技术", "生猪健康养殖", T.PATENT),
        ("茶叶", "功能成分提取与精深加工技术", "农产品精深加工", T.KNOW_HOW),
    ],
    "交通运输": [
        ("轨道交通车辆", "走行部安全监测装置", "轨道交通安全", T.PATENT),
        ("桥梁结构", "健康监测与预警系统", "桥梁结构安全", T.SOFTWARE),
        ("智能网联汽车", "车路协同感知系统", "智能网联汽车", T.SOFTWARE),
    ],
}

#: How the drawn achievements are spread over the stages (weights).
STAGE_WEIGHTS = {
    Stage.COLLECTED: 24, Stage.ASSESSED: 20, Stage.MATCHED: 14, Stage.NEGOTIATING: 12, Stage.TRANSFORMED: 18,
    Stage.DROPPED: 12,
}
_IP = [
    "已授权发明专利{n}项，权属清晰，无许可限制",
    "已申请发明专利{n}项（实审中），需尽快完成布局",
    "核心工艺以技术秘密保护，已签订保密协议",
    "已登记软件著作权{n}项，权利人为依托单位",
    "专利权属依托单位，发明人团队有转化意愿",
]
_MARKET = [
    "国产替代需求迫切，省内下游企业有明确意向",
    "市场规模较大，但竞品较多，需突出成本优势",
    "应用场景明确，已有企业试用反馈良好",
    "市场尚处培育期，需示范应用带动",
    "可服务本市重点产业链，预计年产值可观",
]
_MATCH_NOTES = [
    "经联点干部对接，{enterprise}表示合作意向，已安排技术交流",
    "在成果发布会上与{enterprise}达成初步合作意向",
    "{enterprise}到平台现场考察，双方确认技术需求匹配",
]
_NEGOTIATION_NOTES = [
    "双方就许可费用和实施范围进入商务谈判",
    "已形成合同初稿，正在法务审核",
    "正在委托第三方机构开展技术评估作价",
]
_DROP_REASONS = [
    "技术成熟度不足，平台决定继续研发后再推动转化",
    "发明人团队调离，平台暂缓转化",
    "意向企业经营调整，对接中止，暂无其他合适承接方",
    "专利权属存在争议，待厘清后再议",
    "市场需求变化，转化价值有限",
]
_ENTERPRISE_HEADS = ["湘", "星城", "麓谷", "楚天", "三湘", "芙蓉", "岳麓", "湘江", "中南", "潇湘"]
_ENTERPRISE_TAILS = ["智能装备", "新材料", "生物科技", "电子科技", "环保科技", "新能源", "信息技术", "医疗器械"]


@dataclass
class AchievementSeedReport:
    created: int = 0
    warnings: list[str] = field(default_factory=list)


def _registration(rng: random.Random, kind: str, year: int) -> str:
    if kind == T.PATENT:
        return "，".join(f"ZL{year - rng.randint(1, 5)}1{rng.randint(0, 9999999):07d}.{rng.randint(0, 9)}"
                        for _ in range(rng.randint(1, 3)))
    if kind == T.SOFTWARE:
        return f"{year - rng.randint(0, 3)}SR{rng.randint(0, 9999999):07d}"
    if kind == T.NEW_VARIETY:
        return f"湘审稻{year - rng.randint(1, 4)}{rng.randint(1, 60):03d}"
    if kind == T.NEW_DRUG_OR_DEVICE:
        return f"湘械注准{year - rng.randint(1, 3)}2{rng.randint(0, 999999):06d}"
    return ""


def _field_of(platform) -> str:
    if any(word in platform.name for word in AEROSPACE_WORDS):
        return F.AEROSPACE
    return NATIONAL_FIELD.get(platform.technology_field, F.ADVANCED_MANUFACTURING)


def _topics_of(platform) -> list:
    field_ = _field_of(platform)
    if field_ == F.AEROSPACE:
        return TOPICS[field_]
    return DEMO_TOPICS.get(platform.technology_field) or TOPICS[field_]


class _Steps:
    """Walks one achievement's dates forward from its collection, never past today."""

    def __init__(self, rng: random.Random, start: datetime.date, today: datetime.date):
        self.rng, self.day, self.today = rng, start, today

    def next(self) -> datetime.date:
        self.day = min(self.today, self.day + datetime.timedelta(days=self.rng.randint(3, 25)))
        return self.day


def seed_achievements(*, today: datetime.date | None = None) -> AchievementSeedReport:
    """Write the demo's achievements; write nothing when the launched platforms already have some."""
    today = today or timezone.localdate()
    report = AchievementSeedReport()
    active = list(
        Assignment.objects.active().select_related("platform", "cadre__user", "cadre__unit").order_by("platform__name")
    )
    if not active or Achievement.objects.filter(platform__in=[a.platform for a in active]).exists():
        return report
    places = list(Unit.objects.exclude(kind=Unit.Kind.CITY_DEPARTMENT).filter(is_office=False).order_by("name"))
    place_of = {unit.name.removesuffix("科技局"): unit for unit in places}
    leaders = {u.pk: u.leader for u in Unit.objects.select_related("leader")}
    rng = random.Random(f"{SEED}:achievements")
    stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    users = {}

    def user(u):
        # One object per user, so the roles cached on it are worked out once.
        return users.setdefault(u.pk, u)

    for assignment in active:
        count = rng.choices([0, 1, 2], [25, 50, 25])[0]
        for _ in range(count):
            plan = {
                "stage": rng.choices(stages, weights)[0],
                "topic": rng.choice(_topics_of(assignment.platform)),
                "age": rng.randint(20, 170),
                "rng": random.Random(rng.random()),
            }
            try:
                with transaction.atomic():
                    _write(plan, assignment, today, user, leaders, place_of, places)
            except (ValidationError, PermissionDenied) as error:
                messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                report.warnings.append(f"An achievement of {assignment.platform} not seeded: {' '.join(messages)}")
            else:
                report.created += 1
    return report


def _write(plan, assignment, today, user, leaders, place_of, places) -> Achievement:
    rng, stage = plan["rng"], plan["stage"]
    technique, result, sub_field, kind = plan["topic"]
    platform, cadre = assignment.platform, assignment.cadre
    field_ = _field_of(platform)
    collected_on = max(assignment.start_date, today - datetime.timedelta(days=plan["age"]))
    steps = _Steps(rng, collected_on, today)
    by = user(cadre.user)
    achievement = services.achievement_collect(
        by=by,
        platform=platform,
        title=f"{technique}{result}",
        achievement_type=kind,
        technology_field=field_,
        sub_field=sub_field,
        registration_numbers=_registration(rng, kind, today.year),
        description=(
            f"{platform.name}围绕{sub_field}方向形成的{technique}{result}成果，"
            f"已完成{rng.choice(['实验室验证', '中试', '小批量试制', '样机研制'])}，平台希望在本市寻找承接企业实现转化。"
        ),
        collected_on=collected_on,
    )
    if stage == Stage.COLLECTED:
        return achievement
    # The cadre's unit leader assesses some, as a second pair of eyes.
    leader = leaders.get(cadre.unit_id)
    assessor = user(leader) if leader is not None and leader.is_active and rng.random() < 0.3 else by
    drop_from = rng.choice([Stage.COLLECTED, Stage.ASSESSED, Stage.MATCHED, Stage.NEGOTIATING])
    if stage == Stage.DROPPED and drop_from == Stage.COLLECTED:
        return services.achievement_drop(achievement=achievement, by=by, reason=rng.choice(_DROP_REASONS),
                                         on=steps.next())
    later = stage in (Stage.MATCHED, Stage.NEGOTIATING, Stage.TRANSFORMED)
    level = rng.randint(5, 9) if later else rng.randint(2, 7)
    judgement = (Judgement.HIGH if level >= 7 else Judgement.MEDIUM) if later or rng.random() < 0.6 else Judgement.LOW
    achievement = services.achievement_assess(
        achievement=achievement, by=assessor, readiness_level=level, judgement=judgement,
        ip_status=rng.choice(_IP).format(n=rng.randint(1, 6)), market_prospects=rng.choice(_MARKET),
        recommended_mode=rng.choice(TransformationMode.values[:5]), on=steps.next(),
    )
    if stage == Stage.ASSESSED or (stage == Stage.DROPPED and drop_from == Stage.ASSESSED):
        if stage == Stage.DROPPED:
            return services.achievement_drop(achievement=achievement, by=by, reason=rng.choice(_DROP_REASONS),
                                             on=steps.next())
        return achievement
    enterprise = f"湖南{rng.choice(_ENTERPRISE_HEADS)}{rng.choice(_ENTERPRISE_TAILS)}有限公司"
    achievement = services.achievement_advance(
        achievement=achievement, by=by, note=rng.choice(_MATCH_NOTES).format(enterprise=enterprise), on=steps.next()
    )
    if stage == Stage.MATCHED or (stage == Stage.DROPPED and drop_from == Stage.MATCHED):
        if stage == Stage.DROPPED:
            return services.achievement_drop(achievement=achievement, by=by, reason=rng.choice(_DROP_REASONS),
                                             on=steps.next())
        return achievement
    if stage != Stage.TRANSFORMED or rng.random() < 0.8:
        achievement = services.achievement_advance(
            achievement=achievement, by=by, note=rng.choice(_NEGOTIATION_NOTES), on=steps.next()
        )
    if stage == Stage.NEGOTIATING:
        return achievement
    if stage == Stage.DROPPED:
        return services.achievement_drop(achievement=achievement, by=by, reason=rng.choice(_DROP_REASONS),
                                         on=steps.next())
    landing = place_of.get(platform.district) or (rng.choice(places) if places and rng.random() < 0.8 else None)
    return services.achievement_transform(
        achievement=achievement, by=by,
        transformation_mode=achievement.recommended_mode or TransformationMode.LICENCE,
        counterpart_enterprise=enterprise,
        contract_amount=Decimal(rng.randint(500, 300000)) / 100,
        transformed_on=steps.next(),
        landing_unit=landing,
        note="合同已签订，首期款已到账" if rng.random() < 0.6 else "",
    )


# --- demands and matches -------------------------------------------------------------------------------

#: How a demand puts what it wants, around a topic's technique and result.
_DEMAND_TITLES = [
    "寻求{technique}{result}",
    "{technique}{result}需求",
    "求购{technique}相关技术，用于{sub_field}产品升级",
]
_DEMAND_DESCRIPTIONS = [
    "企业在{sub_field}方面遇到技术瓶颈，希望引进{technique}{result}，提升产品性能并降低成本。",
    "园区重点产业链企业提出：急需{technique}方向的成熟成果，可采取技术许可或合作开发方式。",
    "企业计划新建{sub_field}产线，寻求可产业化的{technique}{result}，并希望成果方提供技术指导。",
]
_CONTACT_PEOPLE = ["王经理", "李总", "张工", "刘主任", "陈部长", "赵经理"]
_FAIL_REASONS = ["企业预算调整，暂停引进", "技术指标与企业需求差距较大", "双方在权属分配上未达成一致"]


@dataclass
class DemandSeedReport:
    demands: int = 0
    matches: int = 0
    warnings: list[str] = field(default_factory=list)


def _all_topics() -> list[tuple[str, tuple]]:
    topics = [(field_, topic) for field_, items in TOPICS.items() for topic in items]
    topics += [(F.BIOMEDICINE, topic) for topic in DEMO_TOPICS["现代农业"]]
    topics += [(F.ADVANCED_MANUFACTURING, topic) for topic in DEMO_TOPICS["交通运输"]]
    return topics


def seed_demands(*, today: datetime.date | None = None) -> DemandSeedReport:
    """Write the demo's technology demands (2 to 5 per district, county and park, raised by its
    leader over the last months, many on the topics the platforms' achievements cover), then
    confirm a match for most matched and negotiating achievements and a few assessed ones, each
    with the demand that fits it best, through the services. Nothing when any demand exists."""
    today = today or timezone.localdate()
    report = DemandSeedReport()
    if Demand.objects.exists():
        return report
    places = list(Unit.objects.filter(kind__in=[Unit.Kind.DISTRICT, Unit.Kind.PARK]).select_related("leader")
                  .order_by("name"))
    staff = get_user_model().objects.filter(groups__name=BUREAU_STAFF_GROUP, is_active=True).order_by("pk").first()
    rng = random.Random(f"{SEED}:demands")
    topics = _all_topics()
    for unit in places:
        by = unit.leader if unit.leader is not None and unit.leader.is_active else staff
        if by is None:
            continue
        for _ in range(rng.randint(2, 5)):
            field_, (technique, result, sub_field, _kind) = rng.choice(topics)
            words = {"technique": technique, "result": result, "sub_field": sub_field}
            raised_on = today - datetime.timedelta(days=rng.randint(3, 150))
            try:
                services.demand_raise(
                    by=by, unit=unit, title=rng.choice(_DEMAND_TITLES).format(**words),
                    technology_field=field_, description=rng.choice(_DEMAND_DESCRIPTIONS).format(**words),
                    enterprise=f"{unit.name.removesuffix('科技局')}{rng.choice(_ENTERPRISE_HEADS)}"
                               f"{rng.choice(_ENTERPRISE_TAILS)}有限公司" if rng.random() < 0.8 else "",
                    sub_field=sub_field,
                    budget=Decimal(rng.randint(10, 800) * 5) if rng.random() < 0.7 else None,
                    wanted_by=today + datetime.timedelta(days=rng.randint(30, 300)) if rng.random() < 0.6 else None,
                    contact_person=f"{rng.choice(_CONTACT_PEOPLE)} 0731-8{rng.randint(0, 9999999):07d}",
                    raised_on=raised_on,
                )
            except (ValidationError, PermissionDenied) as error:
                messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                report.warnings.append(f"A demand of {unit} not seeded: {' '.join(messages)}")
            else:
                report.demands += 1

    candidates = (
        Achievement.objects.filter(stage__in=[Stage.ASSESSED, Stage.MATCHED, Stage.NEGOTIATING])
        .select_related("platform").order_by("pk")
    )
    for achievement in candidates:
        if achievement.stage == Stage.ASSESSED and rng.random() > 0.15:
            continue
        suggestions = suggested_demands(achievement=achievement, limit=1)
        if not suggestions:
            continue
        demand, _why = suggestions[0]
        by = _steward_of(achievement)
        if by is None:
            continue
        try:
            with transaction.atomic():
                match = services.match_confirm(achievement=achievement, demand=demand, by=by,
                                               note="联点干部推荐，双方已初步沟通")
                if achievement.stage == Stage.NEGOTIATING:
                    services.match_set_status(match=match, by=by, status="negotiating", note="已进入商务谈判")
                elif rng.random() < 0.4:
                    services.match_set_status(match=match, by=by, status="contacted", note="已安排双方电话沟通")
                elif rng.random() < 0.15:
                    services.match_set_status(match=match, by=by, status="failed", note=rng.choice(_FAIL_REASONS))
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            report.warnings.append(f"A match of {achievement} not seeded: {' '.join(messages)}")
        else:
            report.matches += 1
    return report


def _steward_of(achievement: Achievement):
    """The platform's cadre now (who would confirm the match), else the cadre who collected it."""
    assignment = Assignment.objects.active().filter(platform_id=achievement.platform_id).select_related(
        "cadre__user").first()
    cadre = assignment.cadre if assignment is not None else achievement.collected_by
    return cadre.user if cadre.user.is_active else None


# --- service records -------------------------------------------------------------------------------

K = ServiceKind
#: For each kind of service: what the cadre did, and how it turned out (blank: not known yet).
SERVICE_TEXTS = {
    K.POLICY_CONSULTATION: [
        ("解读研发费用加计扣除和高新技术企业认定政策，帮助平台梳理可享受的优惠", "平台已按新口径准备申报材料"),
        ("讲解省市科技创新平台绩效评价办法和运行经费支持政策", "平台明确了年度考核重点"),
        ("介绍人才公寓和高层次人才认定政策，答复引进人才落户问题", ""),
    ],
    K.PROJECT_APPLICATION: [
        ("指导平台申报省重点研发计划项目，逐条审看申报书", "项目已通过形式审查"),
        ("协助平台准备市科技重大专项申报材料，对接归口处室", "已按时完成网上申报"),
        ("帮助平台申请省级新型研发机构备案，核对佐证材料", ""),
    ],
    K.COORDINATION: [
        ("协调自然资源、住建部门，推动平台中试基地用地手续办理", "用地预审意见已出具"),
        ("召集市场监管、海关等部门，协调进口科研设备通关和检定", "设备已完成通关"),
        ("协调供电部门解决平台实验楼双回路供电问题", "施工方案已确定"),
    ],
    K.INTERMEDIARY: [
        ("介绍市技术转移中心为平台提供专利价值评估和技术经纪服务", "双方已签订服务协议"),
        ("推荐知识产权服务机构帮助平台开展专利布局分析", ""),
    ],
    K.INVESTOR: [
        ("引荐市创投引导基金参股机构到平台考察产业化项目", "投资机构已开展尽职调查"),
        ("组织平台参加科技成果路演，对接三家风险投资机构", "一家机构表达投资意向"),
    ],
    K.OTHER: [
        ("协助平台筹办行业技术论坛，邀请链上企业参会", "论坛已顺利举办"),
    ],
}
#: How often each kind is given (weights).
SERVICE_WEIGHTS = {K.POLICY_CONSULTATION: 30, K.PROJECT_APPLICATION: 25, K.COORDINATION: 20, K.INTERMEDIARY: 10,
                   K.INVESTOR: 10, K.OTHER: 5}


def seed_service_records(*, today: datetime.date | None = None) -> AchievementSeedReport:
    """Write the demo's services, through ``service_record_create`` as each platform's cadre; write
    nothing when the launched platforms already have services (seeded, or recorded since).

    Deterministic on any date: each service's day is counted back from today, never before the
    cadre took the platform on; about a third are for one of the platform's achievements or issues
    of that day or before.
    """
    today = today or timezone.localdate()
    report = AchievementSeedReport()
    active = list(
        Assignment.objects.active().select_related("platform", "cadre__user").order_by("platform__name")
    )
    platforms = [a.platform for a in active]
    if not active or ServiceRecord.objects.filter(platform__in=platforms).exists():
        return report
    achievements_of, issues_of = {}, {}
    for a in Achievement.objects.filter(platform__in=platforms).order_by("pk").only("pk", "platform_id", "collected_on"):
        achievements_of.setdefault(a.platform_id, []).append(a)
    for i in Issue.objects.filter(platform__in=platforms).order_by("pk").only("pk", "platform_id", "recorded_on"):
        issues_of.setdefault(i.platform_id, []).append(i)
    rng = random.Random(f"{SEED}:services")
    kinds, weights = list(SERVICE_WEIGHTS), list(SERVICE_WEIGHTS.values())
    users = {}
    for assignment in active:
        for _ in range(rng.choices([0, 1, 2, 3], [30, 40, 20, 10])[0]):
            kind = rng.choices(kinds, weights)[0]
            description, outcome = rng.choice(SERVICE_TEXTS[kind])
            given_on = max(assignment.start_date, today - datetime.timedelta(days=rng.randint(0, 150)))
            link = rng.random()
            achievement = issue = None
            if link < 0.25:
                choices = [a for a in achievements_of.get(assignment.platform_id, []) if a.collected_on <= given_on]
                achievement = rng.choice(choices) if choices else None
            elif link < 0.4:
                choices = [i for i in issues_of.get(assignment.platform_id, []) if i.recorded_on <= given_on]
                issue = rng.choice(choices) if choices else None
            by = users.setdefault(assignment.cadre.user_id, assignment.cadre.user)
            try:
                with transaction.atomic():
                    service_records.service_record_create(
                        by=by, platform=assignment.platform, kind=kind, description=description, outcome=outcome,
                        given_on=given_on, achievement=achievement, issue=issue,
                    )
            except (ValidationError, PermissionDenied) as error:
                messages = error.messages if isinstance(error, ValidationError) else [str(error)]
                report.warnings.append(f"A service to {assignment.platform} not seeded: {' '.join(messages)}")
            else:
                report.created += 1
    return report
