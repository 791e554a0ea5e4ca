"""The launched scheme as demo data, for ``manage.py seed_demo``.

290 platforms (39 national, 245 provincial or ministerial, 6 municipal), 89 cadres in the
science departments of the city, its districts, counties and parks, every platform served by
one cadre and every cadre serving 2 to 4 platforms, the launch's and this quarter's contacts,
about 150 issues raised at those contacts (classes A to D, in every state as of today), and one
login per role (``DEMO_LOGINS``).

The scheme is generated from a fixed seed, so it is the same on every machine, and written
idempotently: rows are found by their names, created when missing and updated only where they
differ, so a second run changes nothing. Assignments and contacts are written through
liaison.services and issues through issues.services, so the demo obeys the same rules as the
portal. The Chinese names, places and issue texts are data, not interface text.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from issues import services as issue_services
from issues.calendar import load_calendar
from issues.models import WORKING_DAYS_BY_CLASS, ExtensionRequest, Issue, IssueClass
from platforms.models import Platform

from . import services
from .duties import first_visit_due
from .models import BUREAU_STAFF_GROUP, Assignment, Cadre, Contact, Unit

SEED = 20260401
#: The day the scheme was launched: every demo assignment starts on it.
LAUNCH_DATE = datetime.date(2026, 4, 1)
#: Demo e-mail addresses are on a reserved domain, so no real mailbox is ever written to.
EMAIL_DOMAIN = "example.com"

#: One login per role, with a fixed password. ``role`` is the role's key in liaison.access.Roles.
DEMO_LOGINS = [
    {
        "role": "admin",
        "username": "admin",
        "password": "demo-admin-2026",
        "sees": "The Django admin (/admin/) and every page of the portal.",
    },
    {
        "role": "bureau",
        "username": "bureau",
        "password": "demo-bureau-2026",
        "sees": "Every unit, cadre, platform, contact and issue: dashboards and supervision.",
    },
    {
        "role": "leader",
        "username": "yuelu_leader",
        "password": "demo-leader-2026",
        "sees": "The cadres of 岳麓区科技局, their platforms, contacts and issues.",
    },
    {
        "role": "cadre",
        "username": "yuelu01",
        "password": "demo-cadre-2026",
        "sees": "Their own platforms, contacts and issues.",
    },
]

_LOGINS = {login["role"]: login for login in DEMO_LOGINS}

# --- the data the scheme is drawn from -----------------------------------------------------------

_CITY, _DISTRICT, _PARK = Unit.Kind.CITY_DEPARTMENT, Unit.Kind.DISTRICT, Unit.Kind.PARK

#: (name, kind, username prefix, the district or park it covers, number of cadres)
UNITS = [
    ("市科技局", _CITY, "kjj", "", 15),
    ("市发改委", _CITY, "fgw", "", 6),
    ("市教育局", _CITY, "jyj", "", 6),
    ("芙蓉区科技局", _DISTRICT, "furong", "芙蓉区", 4),
    ("天心区科技局", _DISTRICT, "tianxin", "天心区", 4),
    ("岳麓区科技局", _DISTRICT, "yuelu", "岳麓区", 4),
    ("开福区科技局", _DISTRICT, "kaifu", "开福区", 4),
    ("雨花区科技局", _DISTRICT, "yuhua", "雨花区", 4),
    ("望城区科技局", _DISTRICT, "wangcheng", "望城区", 4),
    ("长沙县科技局", _DISTRICT, "changsha", "长沙县", 4),
    ("浏阳市科技局", _DISTRICT, "liuyang", "浏阳市", 4),
    ("宁乡市科技局", _DISTRICT, "ningxiang", "宁乡市", 4),
    ("湘江新区科技局", _PARK, "xjxq", "湘江新区", 5),
    ("长沙高新区科技局", _PARK, "gxq", "长沙高新区", 5),
    ("长沙经开区科技局", _PARK, "jkq", "长沙经开区", 4),
    ("浏阳经开区科技局", _PARK, "lyjkq", "浏阳经开区", 3),
    ("宁乡经开区科技局", _PARK, "nxjkq", "宁乡经开区", 3),
    ("望城经开区科技局", _PARK, "wcjkq", "望城经开区", 3),
    ("马栏山视频文创园科技局", _PARK, "mls", "马栏山视频文创园", 3),
]
#: The city committee's office leads the scheme; it serves no platform itself.
OFFICE = ("市委科技办", _CITY, "kjb", "", 0)

CADRE_COUNT = 89
PLATFORM_COUNTS = {Platform.Level.NATIONAL: 39, Platform.Level.PROVINCIAL: 245, Platform.Level.MUNICIPAL: 6}

#: Technology field (the platform's ``technology_field``) -> research directions in it.
FIELDS = {
    "新材料": ["先进电池材料", "粉末冶金", "硬质合金", "先进陶瓷", "碳纤维复合材料", "稀土功能材料", "新型显示玻璃", "高性能轻合金"],
    "有色金属与冶金": ["难冶有色金属资源高效利用", "矿物加工", "冶金过程控制", "有色金属精深加工", "稀贵金属回收"],
    "先进制造": ["工程机械智能化", "高性能复杂制造", "智能制造装备", "增材制造", "盾构装备", "精密数控机床", "激光先进制造", "工业机器人"],
    "电子信息": ["功率半导体", "集成电路装备", "北斗导航应用", "智能传感器", "网络安全", "工业软件", "光电信息"],
    "人工智能与大数据": ["人工智能", "大数据分析", "智能交互", "计算机视觉", "工业互联网", "先进计算"],
    "生物医药": ["生物医药", "中药新药创制", "精准医学", "体外诊断", "高端医疗器械", "眼科疾病防治", "肿瘤免疫治疗", "医学影像"],
    "现代农业": ["杂交水稻", "水稻分子育种", "油茶", "生猪健康养殖", "农产品精深加工", "亚热带农业生态", "茶叶", "作物种质创新"],
    "新能源与储能": ["先进储能", "氢能", "动力电池回收利用", "光伏新能源", "智能电网"],
    "节能环保": ["重金属污染修复", "固体废物资源化", "水环境治理", "大气污染防治", "绿色建筑节能"],
    "交通运输": ["轨道交通安全", "智能网联汽车", "桥梁结构安全", "道路工程", "通用航空"],
    "土木建筑": ["土木工程防灾减灾", "岩土工程", "地质灾害防治", "装配式建筑"],
    "文化创意": ["视频文创", "数字媒体技术", "超高清视频", "虚拟现实"],
}


@dataclass(frozen=True)
class Host:
    name: str
    district: str
    address: str
    mail: str  # the host's short name, for demo e-mail addresses
    academic: bool  # a university, institute or hospital (hosts laboratories); else a firm
    fields: frozenset


def _host(name, district, address, mail, academic, *fields):
    return Host(name, district, address, mail, academic, frozenset(fields))


HOSTS = [
    _host("湖南大学", "岳麓区", "长沙市岳麓区麓山南路2号", "hnu", True,
          "新材料", "先进制造", "电子信息", "人工智能与大数据", "土木建筑", "新能源与储能", "节能环保", "交通运输", "生物医药"),
    _host("中南大学", "岳麓区", "长沙市岳麓区麓山南路932号", "csu", True,
          "新材料", "有色金属与冶金", "先进制造", "生物医药", "交通运输", "土木建筑", "人工智能与大数据", "节能环保"),
    _host("湖南师范大学", "岳麓区", "长沙市岳麓区麓山路36号", "hunnu", True,
          "生物医药", "人工智能与大数据", "电子信息", "现代农业", "文化创意"),
    _host("长沙理工大学", "天心区", "长沙市天心区万家丽南路二段960号", "csust", True,
          "新能源与储能", "土木建筑", "交通运输", "节能环保"),
    _host("国防科技大学", "开福区", "长沙市开福区德雅路109号", "nudt", True,
          "电子信息", "人工智能与大数据", "新材料", "先进制造"),
    _host("中国科学院亚热带农业生态研究所", "芙蓉区", "长沙市芙蓉区远大二路644号", "isa", True, "现代农业", "节能环保"),
    _host("湖南农业大学", "芙蓉区", "长沙市芙蓉区农大路1号", "hunau", True, "现代农业", "节能环保"),
    _host("中南林业科技大学", "天心区", "长沙市天心区韶山南路498号", "csuft", True, "现代农业", "新材料", "节能环保"),
    _host("湖南中医药大学", "岳麓区", "长沙市岳麓区含浦科教园区学士路300号", "hnucm", True, "生物医药"),
    _host("长沙学院", "开福区", "长沙市开福区洪山路98号", "ccsu", True, "电子信息", "文化创意"),
    _host("湖南信息学院", "望城区", "长沙市望城区金星北路", "hnuit", True, "电子信息", "人工智能与大数据"),
    _host("中南大学湘雅医院", "开福区", "长沙市开福区湘雅路87号", "xiangya", True, "生物医药"),
    _host("湖南省人民医院", "芙蓉区", "长沙市芙蓉区解放西路61号", "hnsrmyy", True, "生物医药"),
    _host("湖南省农业科学院", "芙蓉区", "长沙市芙蓉区远大二路892号", "hunaas", True, "现代农业"),
    _host("湖南杂交水稻研究中心", "芙蓉区", "长沙市芙蓉区远大二路736号", "hhrrc", True, "现代农业"),
    _host("长沙矿冶研究院", "岳麓区", "长沙市岳麓区麓山南路966号", "crimm", True, "有色金属与冶金", "新材料"),
    _host("中国电子科技集团公司第四十八研究所", "天心区", "长沙市天心区新开铺路1025号", "cetc48", True,
          "电子信息", "新能源与储能"),
    _host("中国电建集团中南勘测设计研究院", "雨花区", "长沙市雨花区香樟东路16号", "msdi", True,
          "土木建筑", "新能源与储能", "节能环保"),
    _host("湖南省交通科学研究院", "雨花区", "长沙市雨花区环保中路", "hnjky", True, "交通运输", "土木建筑"),
    _host("长沙智能驾驶研究院", "湘江新区", "长沙市岳麓区学士街道学士路", "csidr", True, "交通运输", "人工智能与大数据"),
    _host("长沙北斗产业安全技术研究院", "湘江新区", "长沙市岳麓区尖山路", "csbd", True, "电子信息"),
    _host("三一集团", "长沙经开区", "长沙经济技术开发区三一路1号", "sany", False,
          "先进制造", "人工智能与大数据", "新能源与储能"),
    _host("中联重科", "长沙高新区", "长沙高新区麓谷大道", "zoomlion", False, "先进制造", "人工智能与大数据"),
    _host("山河智能", "长沙经开区", "长沙经济技术开发区凉塘路16号", "sunward", False, "先进制造", "交通运输"),
    _host("铁建重工", "长沙经开区", "长沙经济技术开发区东七线88号", "crchi", False, "先进制造", "土木建筑"),
    _host("国科微电子", "长沙经开区", "长沙经济技术开发区泉塘街道", "goke", False, "电子信息"),
    _host("蓝思科技", "浏阳经开区", "浏阳经济技术开发区康宁路", "lens", False, "电子信息", "新材料"),
    _host("威胜集团", "长沙高新区", "长沙高新区桐梓坡西路468号", "willfar", False, "新能源与储能", "电子信息"),
    _host("景嘉微", "长沙高新区", "长沙高新区梅溪湖路1号", "jingjia", False, "电子信息", "人工智能与大数据"),
    _host("华曙高科", "长沙高新区", "长沙高新区林语路181号", "farsoon", False, "先进制造", "新材料"),
    _host("圣湘生物", "长沙高新区", "长沙高新区麓松路680号", "sansure", False, "生物医药"),
    _host("楚天科技", "宁乡经开区", "宁乡经济技术开发区新康路1号", "truking", False, "生物医药", "先进制造"),
    _host("邦普循环", "宁乡经开区", "宁乡经济技术开发区金洲北路", "brunp", False, "新能源与储能", "节能环保"),
    _host("长远锂科", "望城经开区", "望城经济技术开发区腾飞路", "cylico", False, "新能源与储能", "新材料"),
    _host("远大科技集团", "长沙县", "长沙县远大城", "broad", False, "节能环保", "土木建筑"),
    _host("尔康制药", "浏阳市", "浏阳市集里街道", "erkang", False, "生物医药"),
    _host("加加食品", "宁乡市", "宁乡市城郊街道", "jiajia", False, "现代农业"),
    _host("隆平高科", "芙蓉区", "长沙市芙蓉区合平路638号", "lpht", False, "现代农业"),
    _host("爱尔眼科医院集团", "天心区", "长沙市天心区芙蓉中路二段198号", "aier", False, "生物医药"),
    _host("芒果超媒", "马栏山视频文创园", "长沙市开福区马栏山鸭子铺路", "mgtv", False, "文化创意", "人工智能与大数据"),
    _host("湖南广播影视集团", "马栏山视频文创园", "长沙市开福区金鹰影视文化城", "hbs", False, "文化创意"),
]
_HOSTS_BY_NAME = {h.name: h for h in HOSTS}

_C = Platform.Category
_UNIVERSITY, _ACADEMIC, _FIRM = "university", "academic", "firm"
#: Per level: (category, name pattern, how many, the kind of host it prefers).
PLATFORM_KINDS = {
    Platform.Level.NATIONAL: [
        (_C.NATIONAL_KEY_LABORATORY, "{}全国重点实验室", 13, _ACADEMIC),
        (_C.ENGINEERING_RESEARCH_CENTRE, "{}国家工程研究中心", 9, _ACADEMIC),
        (_C.ENGINEERING_TECHNOLOGY_CENTRE, "国家{}工程技术研究中心", 8, _FIRM),
        (_C.TECHNOLOGY_INNOVATION_CENTRE, "国家{}技术创新中心", 5, _FIRM),
        (_C.INDUSTRIAL_INNOVATION_CENTRE, "国家{}制造业创新中心", 2, _FIRM),
    ],
    Platform.Level.PROVINCIAL: [
        (_C.PROVINCIAL_KEY_LABORATORY, "湖南省{}重点实验室", 68, _ACADEMIC),
        (_C.PROVINCIAL_KEY_LABORATORY, "{}教育部重点实验室", 22, _UNIVERSITY),
        (_C.ENGINEERING_RESEARCH_CENTRE, "{}湖南省工程研究中心", 50, _ACADEMIC),
        (_C.ENGINEERING_TECHNOLOGY_CENTRE, "湖南省{}工程技术研究中心", 52, _FIRM),
        (_C.TECHNOLOGY_INNOVATION_CENTRE, "湖南省{}技术创新中心", 28, _FIRM),
        (_C.NEW_TYPE_RD_INSTITUTE, "湖南{}产业技术研究院", 21, _FIRM),
    ],
    Platform.Level.MUNICIPAL: [
        (_C.TECHNOLOGY_INNOVATION_CENTRE, "长沙市{}技术创新中心", 3, _FIRM),
        (_C.NEW_TYPE_RD_INSTITUTE, "长沙{}研究院", 3, _FIRM),
    ],
}
#: Platforms known by their own names: (name, level, category, host, technology field).
NAMED_PLATFORMS = [
    ("国家超级计算长沙中心", Platform.Level.NATIONAL, _C.OTHER, "湖南大学", "人工智能与大数据"),
    ("国家耐盐碱水稻技术创新中心", Platform.Level.NATIONAL, _C.TECHNOLOGY_INNOVATION_CENTRE, "湖南杂交水稻研究中心", "现代农业"),
    ("岳麓山实验室", Platform.Level.PROVINCIAL, _C.OTHER, "湖南农业大学", "现代农业"),
    ("湘江实验室", Platform.Level.PROVINCIAL, _C.OTHER, "国防科技大学", "人工智能与大数据"),
    ("芙蓉实验室", Platform.Level.PROVINCIAL, _C.OTHER, "中南大学", "生物医药"),
    ("岳麓山工业创新中心", Platform.Level.PROVINCIAL, _C.OTHER, "湖南大学", "先进制造"),
]

_SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱胡郭何罗高林郑梁谢唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃易"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌辉鹏宇浩然博瑞思远晓东海燕玉兰俊峰德春秋雪梅"
_TITLES = ["科长", "副科长", "一级主任科员", "二级主任科员", "三级主任科员", "四级调研员", "副局长"]
_PLATFORM_ROLES = ["办公室主任", "科研秘书", "平台主任助理", "技术总监", "综合部部长"]
_BUILDINGS = ["科研楼", "实验楼", "创新大楼", "研发中心", "综合楼", "产业化基地"]
_PREFERRED_TIMES = [
    "工作日上午9:00-11:30",
    "工作日下午14:30-17:00",
    "周二、周四下午",
    "工作日均可，请提前一天电话预约",
    "每周三上午",
    "上午10点后，请先微信联系",
    "避开月底和季度末",
]
_CHANNELS = [
    (Platform.Channel.PHONE, 35),
    (Platform.Channel.WECHAT, 30),
    (Platform.Channel.EMAIL, 10),
    (Platform.Channel.VISIT, 15),
    (Platform.Channel.MEETING, 10),
]
_CONTACT_KINDS = [
    (Contact.Kind.VISIT, 35),
    (Contact.Kind.CALL, 30),
    (Contact.Kind.MEETING, 15),
    (Contact.Kind.ONLINE, 20),
]
_PROGRESS = [
    "平台运行总体平稳，年度建设任务按计划推进。",
    "新引进青年骨干3人，实验条件持续改善。",
    "正在准备年度绩效评估材料。",
    "与两家本地企业签订技术开发合同。",
    "新购置的大型仪器设备已投入使用。",
    "承担的省重点研发计划项目进展顺利。",
    "中试基地建设完成主体工程。",
]
_NEEDS = [
    "",
    "",
    "希望协助对接市内应用场景。",
    "反映科研用房紧张，希望协调解决。",
    "希望了解人才政策的申报要求。",
    "希望对接科技金融和风险投资机构。",
    "希望协助办理科技成果转化备案手续。",
]


# --- the scheme, drawn from the seed -------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    username: str
    last_name: str
    first_name: str

    @property
    def email(self):
        return f"{self.username}@{EMAIL_DOMAIN}"


@dataclass
class CadrePlan:
    person: Person
    unit: str
    area: str
    title: str
    phone: str
    capacity: int
    platforms: list = field(default_factory=list)


@dataclass
class Scheme:
    units: list  # (name, kind, leader Person, is_office)
    platforms: list  # dicts of Platform field values
    cadres: list  # CadrePlan, each with the names of its platforms


def _host_kind(host: Host, kind: str) -> bool:
    if kind == _UNIVERSITY:
        return host.name.endswith(("大学", "学院"))
    return host.academic == (kind == _ACADEMIC)


def _person(rng: random.Random, username: str) -> Person:
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return Person(username, rng.choice(_SURNAMES), given)


def _platform(rng, name, level, category, host, technology_field, index):
    contact = _person(rng, "")
    if rng.random() < 0.6:
        phone = f"0731-{rng.randint(82000000, 89999999)}"
    else:
        phone = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
    return {
        "name": name,
        "level": level,
        "category": category,
        "host_institution": host.name,
        "district": host.district,
        "technology_field": technology_field,
        "address": f"{host.address}{rng.choice(_BUILDINGS)}{rng.randint(1, 12)}楼",
        "contact_person": f"{contact.last_name}{contact.first_name}（{rng.choice(_PLATFORM_ROLES)}）",
        "contact_phone": phone,
        "contact_email": f"platform{index:03d}@{host.mail}.{EMAIL_DOMAIN}",
        "preferred_channel": rng.choices([c for c, _ in _CHANNELS], [w for _, w in _CHANNELS])[0],
        "preferred_times": rng.choice(_PREFERRED_TIMES),
        "batch": 1,
    }


def build_scheme() -> Scheme:
    """The whole launched scheme, the same on every call."""
    rng = random.Random(SEED)
    directions = [(direction, tech) for tech, names in FIELDS.items() for direction in names]

    drawn = [
        (name, level, category, _HOSTS_BY_NAME[host], tech) for name, level, category, host, tech in NAMED_PLATFORMS
    ]
    for level, kinds in PLATFORM_KINDS.items():
        for category, pattern, count, prefers in kinds:
            for direction, tech in rng.sample(directions, count):
                hosts = [h for h in HOSTS if tech in h.fields]
                preferred = [h for h in hosts if _host_kind(h, prefers)] or hosts
                drawn.append((pattern.format(direction), level, category, rng.choice(preferred), tech))
    platforms = [_platform(rng, *spec, index) for index, spec in enumerate(drawn, start=1)]
    names = [p["name"] for p in platforms]
    assert len(set(names)) == len(names), "platform names must be unique"
    for level, count in PLATFORM_COUNTS.items():
        assert sum(p["level"] == level for p in platforms) == count, level

    units, cadres = [], []
    for (name, kind, prefix, area, count), is_office in [*((u, False) for u in UNITS), (OFFICE, True)]:
        units.append((name, kind, _person(rng, f"{prefix}_leader"), is_office))
        for number in range(1, count + 1):
            person = _person(rng, f"{prefix}{number:02d}")
            phone = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
            cadres.append(CadrePlan(person, name, area, rng.choice(_TITLES), phone, capacity=3))
    assert len(cadres) == CADRE_COUNT

    # 290 platforms over 89 cadres: most serve 3; each cadre with 2 is offset by one more with 4.
    extra = len(platforms) - 3 * len(cadres)
    order = rng.sample(range(len(cadres)), len(cadres))
    fours, twos = order[: extra + 4], order[extra + 4 : extra + 8]
    for i in fours:
        cadres[i].capacity = 4
    for i in twos:
        cadres[i].capacity = 2
    assert sum(c.capacity for c in cadres) == len(platforms)

    # A district's or park's cadres serve the platforms on its ground first; the city
    # departments' cadres, and anyone with room left, take the rest.
    pool = rng.sample(platforms, len(platforms))
    for cadre in cadres:
        if cadre.area:
            mine = [p for p in pool if p["district"] == cadre.area][: cadre.capacity]
            cadre.platforms += [p["name"] for p in mine]
            pool = [p for p in pool if p not in mine]
    for cadre in cadres:
        room = cadre.capacity - len(cadre.platforms)
        cadre.platforms += [p["name"] for p in pool[:room]]
        pool = pool[room:]
    assert not pool
    return Scheme(units=units, platforms=platforms, cadres=cadres)


# --- writing it ----------------------------------------------------------------------------------


@dataclass
class SeedReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    def count(self, what: str, created: int = 0, updated: int = 0) -> None:
        self.created[what] = self.created.get(what, 0) + created
        self.updated[what] = self.updated.get(what, 0) + updated

    @property
    def changed_anything(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())


def _sync(obj, values: dict) -> bool:
    """Set the fields of ``obj`` that differ from ``values`` and save only those."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(obj, name, values[name])
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        changed.append("updated_at")
    obj.save(update_fields=changed)
    return True


def _quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@transaction.atomic
def seed_demo(*, today: datetime.date | None = None) -> SeedReport:
    """Write the scheme to the database; running it again changes nothing."""
    today = today or timezone.localdate()
    start = min(LAUNCH_DATE, today)
    scheme = build_scheme()
    report = SeedReport()

    users = _seed_users(scheme, report)
    units = _seed_units(scheme, users, report)
    platforms = _seed_platforms(scheme, report)
    cadres = _seed_cadres(scheme, users, units, report)
    _seed_assignments(scheme, cadres, platforms, start, report)
    _seed_launch_contacts(platforms, start, today, report)
    _seed_contacts(scheme, platforms, start, today, report)
    _seed_issues(platforms, today, report)
    return report


def _seed_users(scheme: Scheme, report: SeedReport) -> dict:
    User = get_user_model()
    people = [leader for _, _, leader, _ in scheme.units] + [c.person for c in scheme.cadres]
    people += [
        Person(_LOGINS["admin"]["username"], "系统", "管理员"),
        Person(_LOGINS["bureau"]["username"], "周", "敏"),
    ]
    existing = {u.username: u for u in User.objects.filter(username__in=[p.username for p in people])}
    missing = [p for p in people if p.username not in existing]
    # Only the demo logins can sign in; the other people need no password, and hashing one for
    # each of them would make up most of the run.
    unusable = make_password(None)
    User.objects.bulk_create(
        User(username=p.username, last_name=p.last_name, first_name=p.first_name, email=p.email, password=unusable)
        for p in missing
    )
    updated = 0
    for person in people:
        if person.username in existing:
            values = {"last_name": person.last_name, "first_name": person.first_name, "email": person.email}
            updated += _sync(existing[person.username], values)
    report.count("users", created=len(missing), updated=updated)

    users = {u.username: u for u in User.objects.filter(username__in=[p.username for p in people])}
    for login in DEMO_LOGINS:
        user = users[login["username"]]
        flags = {"is_active": True}
        if login["role"] == "admin":
            flags.update(is_staff=True, is_superuser=True)
        changed = _sync(user, flags)
        if not user.check_password(login["password"]):
            user.set_password(login["password"])
            user.save(update_fields=["password"])
            changed = True
        is_new = login["username"] not in existing
        report.count("demo logins", created=int(is_new), updated=int(changed and not is_new))
    group, created = Group.objects.get_or_create(name=BUREAU_STAFF_GROUP)
    report.count("groups", created=int(created))
    bureau = users[_LOGINS["bureau"]["username"]]
    if not bureau.groups.filter(pk=group.pk).exists():
        bureau.groups.add(group)
        report.count("group memberships", created=1)
    return users


def _seed_units(scheme: Scheme, users: dict, report: SeedReport) -> dict:
    units = {u.name: u for u in Unit.objects.filter(name__in=[name for name, *_ in scheme.units])}
    other_office = Unit.objects.filter(is_office=True).exclude(name=OFFICE[0]).first()
    for name, kind, leader, is_office in scheme.units:
        if is_office and other_office is not None:
            # Another unit was made the office in the admin: keep that choice.
            report.warnings.append(f"{other_office} is the office; {name} is seeded as an ordinary unit.")
            is_office = False
        values = {"kind": kind, "leader_id": users[leader.username].pk, "is_office": is_office}
        if name in units:
            report.count("units", updated=int(_sync(units[name], values)))
        else:
            units[name] = Unit.objects.create(name=name, **values)
            report.count("units", created=1)
    return units


def _seed_platforms(scheme: Scheme, report: SeedReport) -> dict:
    existing = {p.name: p for p in Platform.objects.filter(name__in=[p["name"] for p in scheme.platforms])}
    missing = [Platform(**values) for values in scheme.platforms if values["name"] not in existing]
    bulk_create_with_history(missing, Platform, default_change_reason="seed_demo")
    updated = sum(_sync(existing[values["name"]], values) for values in scheme.platforms if values["name"] in existing)
    report.count("platforms", created=len(missing), updated=updated)
    return {p.name: p for p in Platform.objects.filter(name__in=[p["name"] for p in scheme.platforms])}


def _seed_cadres(scheme: Scheme, users: dict, units: dict, report: SeedReport) -> dict:
    plan = {users[c.person.username].pk: c for c in scheme.cadres}
    existing = {c.user_id: c for c in Cadre.objects.filter(user_id__in=plan)}

    def values(c: CadrePlan) -> dict:
        return {"unit_id": units[c.unit].pk, "title": c.title, "phone": c.phone, "batch": 1}

    missing = [Cadre(user_id=user_id, **values(c)) for user_id, c in plan.items() if user_id not in existing]
    bulk_create_with_history(missing, Cadre, default_change_reason="seed_demo")
    updated = sum(_sync(existing[user_id], values(c)) for user_id, c in plan.items() if user_id in existing)
    report.count("cadres", created=len(missing), updated=updated)
    cadres = Cadre.objects.filter(user_id__in=plan).select_related("user")
    return {c.user.username: c for c in cadres}


def _seed_assignments(scheme: Scheme, cadres: dict, platforms: dict, start: datetime.date, report: SeedReport) -> None:
    served = set(Assignment.objects.active().values_list("platform_id", flat=True))
    for plan in scheme.cadres:
        cadre = cadres[plan.person.username]
        for name in plan.platforms:
            platform = platforms[name]
            if platform.pk in served:
                continue  # already served, by the plan or by a later handover: leave it
            try:
                services.assignment_create(cadre=cadre, platform=platform, start_date=start)
            except ValidationError as error:
                report.warnings.append(f"{platform} was not assigned to {cadre}: {' '.join(error.messages)}")
            else:
                report.count("assignments", created=1)


def _seed_launch_contacts(platforms: dict, start: datetime.date, today: datetime.date, report: SeedReport) -> None:
    """The launch duties: a first contact within the week and a first visit within the month.

    A few platforms are left without their first visit, so that the duty reminders and the
    "next duty" figures have something real to show.
    """
    rng = random.Random(f"{SEED}:launch")
    # Only the launch's own assignments: one made since (a hand-over) is the portal's, and its first
    # contact is for its cadre to log, not for a later seed to invent.
    assignments = Assignment.objects.filter(platform__in=platforms.values(), start_date=start).select_related(
        "cadre__user", "platform"
    )
    # Any contact under the assignment means its launch duties were seeded (or logged) already.
    done = set(
        Contact.objects.filter(platform__in=platforms.values()).values_list("platform_id", "cadre_id").distinct()
    )
    for assignment in sorted(assignments, key=lambda a: a.platform.name):
        call_after, visit_after, skip_visit = rng.randint(1, 5), rng.randint(7, 27), rng.random() < 0.04
        if (assignment.platform_id, assignment.cadre_id) in done:
            continue
        last_day = first_visit_due(assignment.start_date)
        planned = [(call_after, Contact.Kind.CALL, "首次联系：介绍联点服务机制，确认对接人和联系方式")]
        if not skip_visit:
            planned.append((visit_after, Contact.Kind.VISIT, "首次走访：实地了解平台建设情况、运行状况和发展需求"))
        for after, kind, summary in planned:
            day = min(assignment.start_date + datetime.timedelta(days=after), last_day)
            if day > today:
                continue
            services.contact_create(
                cadre=assignment.cadre,
                platform=assignment.platform,
                date=day,
                kind=kind,
                people_met=assignment.platform.contact_person,
                summary=summary,
                by=assignment.cadre.user,
            )
            report.count("contacts", created=1)


def _seed_contacts(
    scheme: Scheme, platforms: dict, start: datetime.date, today: datetime.date, report: SeedReport
) -> None:
    """This quarter's contacts: about two thirds of the platforms, once or twice each."""
    quarter = _quarter_start(today)
    rng = random.Random(f"{SEED}:contacts:{quarter.isoformat()}")
    holders = {
        a.platform_id: a
        for a in Assignment.objects.active().filter(platform__in=platforms.values()).select_related("cadre__user")
    }
    # A platform with contacts this quarter already (seeded, or logged since) is left as it is.
    contacted = set(Contact.objects.filter(date__gte=quarter).values_list("platform_id", flat=True))
    kinds, weights = [k for k, _ in _CONTACT_KINDS], [w for _, w in _CONTACT_KINDS]
    for name in sorted(platforms):
        platform = platforms[name]
        # Draw every platform's numbers, whether or not it gets contacts, so that what one
        # platform gets never depends on what is already in the database.
        count = rng.choices([0, 1, 2], [35, 45, 20])[0]
        draws = [
            (rng.random(), rng.choices(kinds, weights)[0], rng.choice(_PROGRESS), rng.choice(_NEEDS))
            for _ in range(count)
        ]
        holder = holders.get(platform.pk)
        if holder is None or holder.start_date != start or platform.pk in contacted:
            continue  # not served, handed over since the launch (its contacts are the portal's), or done
        first = max(quarter, holder.start_date)
        if first > today:
            continue
        for share, kind, progress, needs in draws:
            day = first + datetime.timedelta(days=int(share * ((today - first).days + 1)))
            services.contact_create(
                cadre=holder.cadre,
                platform=platform,
                date=day,
                kind=kind,
                people_met=platform.contact_person,
                summary=f"了解平台近期建设进展：{progress}",
                needs=needs,
                by=holder.cadre.user,
            )
            report.count("contacts", created=1)


# --- issues --------------------------------------------------------------------------------------

#: How many issues of each class the demo records: A ~30%, B ~35%, C ~20%, D ~15%.
ISSUE_COUNTS = {IssueClass.A: 45, IssueClass.B: 52, IssueClass.C: 30, IssueClass.D: 23}
#: Of the B, C and D issues, how many are drawn where they are due within the next working days
#: (the sweep reminds them), how many where the due date has passed, and how many D issues where
#: the due date reaches a year the calendar has not loaded (provisional). The rest are not due yet.
_DUE_SOON = {IssueClass.B: 3, IssueClass.C: 2, IssueClass.D: 1}
_PAST_DUE = {IssueClass.B: 12, IssueClass.C: 6, IssueClass.D: 3}
_PROVISIONAL_D = 2
#: Of the issues drawn past their due date, this many of each class are left open: overdue (besides
#: the demo cadre's own and one stalled C issue); the others are closed now, late.
_OVERDUE_LEFT_OPEN = {IssueClass.B: 2, IssueClass.C: 1, IssueClass.D: 1}
#: "Due soon", as the bureau's home and the reminders count it: within this many working days.
DUE_SOON_WORKING_DAYS = 3

_CB = Issue.ServiceArea.CONDITION_BUILDING
_TI = Issue.ServiceArea.TECHNOLOGY_INNOVATION
_AT = Issue.ServiceArea.ACHIEVEMENT_TRANSFORMATION
_TC = Issue.ServiceArea.TALENT_CULTIVATION
_OT = Issue.ServiceArea.OTHER

#: The contact needs of ``_NEEDS`` and the topics that follow from them.
_NEED_TOPICS = {
    "希望协助对接市内应用场景。": {"scenario"},
    "反映科研用房紧张，希望协调解决。": {"lab_space"},
    "希望了解人才政策的申报要求。": {"young_talent", "talent_cert"},
    "希望对接科技金融和风险投资机构。": {"venture"},
    "希望协助办理科技成果转化备案手续。": {"ownership_reform", "tech_contract"},
}


@dataclass(frozen=True)
class Topic:
    """A kind of issue platforms raise. The texts take ``{district}``, ``{field}``, ``{people}``,
    ``{area}``, ``{amount}``, ``{kva}``, ``{mu}``, ``{instrument}`` and ``{scene}``."""

    key: str
    area: str
    classes: str  # the classes it is plausible as
    title: str
    description: str
    answer: str = ""  # class A: what was answered on the spot
    solution: str = ""
    resolution: str = ""
    #: Class C: the lead unit's candidates, by name; "district" is the unit of the platform's district.
    leads: tuple = ("市科技局",)
    #: Only platforms in these technology fields raise it (empty: any).
    fields: tuple = ()


TOPICS = [
    # 条件建设
    Topic("lab_space", _CB, "BC", "科研用房紧张，申请协调过渡用房",
          "平台近两年新组建{people}个研究团队，现有实验和办公用房已满负荷，缺口约{area}平方米，希望协调周边闲置楼宇或标准厂房作为过渡用房。",
          solution="由所在区牵头，拟将园区闲置标准厂房作为过渡用房，租金按科技创新平台扶持政策减免。",
          resolution="已协调落实约{area}平方米过渡用房，签订三年租用协议，研究团队已入驻。",
          leads=("district",)),
    Topic("power", _CB, "BC", "实验楼电力增容报装进展缓慢",
          "新购置的大型仪器陆续到货，实验楼现有变压器容量不足，需增容约{kva}千伏安。已向供电部门报装两个月，仍未排期施工。",
          solution="协调供电公司开辟绿色通道，明确增容方案和施工排期。",
          resolution="增容工程已完成并通电验收，新设备已接入使用。",
          leads=("district", "市发改委")),
    Topic("equipment_import", _CB, "CD", "进口科研仪器设备采购论证和免税办理耗时长",
          "平台拟采购{instrument}等进口设备（预算约{amount}万元），采购论证、进口免税审核等环节耗时较长，影响在研项目进度。",
          solution="由市科技局协调财政、海关等部门并联办理，进口论证与免税审核同步推进。",
          resolution="采购论证已通过，免税手续办结，设备采购合同已签订。"),
    Topic("equipment_procedure", _CB, "A", "科研设备采购能否适用单一来源方式",
          "平台拟采购的{instrument}仅有一家供应商能提供配套软件和维保服务，咨询能否按单一来源方式采购。",
          answer="现场说明了单一来源采购的适用情形、专家论证和公示要求，并提供了市财政局政府采购监管部门的联系方式。"),
    Topic("pilot_land", _CB, "D", "中试基地建设用地指标尚未落实",
          "平台拟在{district}建设成果转化中试基地，项目已列入市重点项目计划，但约{mu}亩建设用地指标尚未落实，需市级统筹调度。",
          solution="市委科技办会同市自然资源和规划局，将项目纳入年度用地计划统筹保障，明确了供地时序。",
          resolution="用地指标已下达，土地挂牌出让完成，项目进入施工准备阶段。"),
    Topic("funding_delay", _CB, "CD", "平台建设市级配套资金拨付滞后",
          "平台获批后承诺的市级配套建设资金{amount}万元目前仅拨付第一批，第二批尚未到位，部分设备采购合同无法按期支付。",
          solution="明确由市科技局会同市财政局按程序办理第二批资金拨付，本月内完成审核。",
          resolution="第二批配套资金已拨付到位，设备款项已按合同支付。",
          leads=("市科技局", "市发改委")),
    Topic("hazmat_store", _CB, "C", "危险化学品暂存库建设审批",
          "实验用危险化学品用量增加，需在园区内新建符合规范的暂存库，涉及应急管理、消防、规划等多个部门审批，希望协调并联办理。",
          solution="由所在区牵头召开联席会议，明确选址和各部门审批事项清单，实行并联审批。",
          resolution="暂存库已通过消防和应急管理部门验收，投入使用。",
          leads=("district",)),
    Topic("shared_instruments", _CB, "AB", "大型科研仪器开放共享后补助如何申报",
          "平台多台大型仪器已对外开放共享，咨询市级大型科研仪器开放共享后补助的申报条件和流程。",
          answer="现场讲解了开放共享后补助的申报条件、服务记录要求和申报时间，并发送了申报指南。",
          solution="由联点单位指导平台按季度整理共享服务记录，随年度申报一并报送。",
          resolution="已协助平台整理共享服务记录并完成网上申报，通过形式审查。"),
    # 技术创新
    Topic("provincial_project", _TI, "A", "省重点研发计划项目申报指南咨询",
          "平台拟牵头申报今年省重点研发计划项目，咨询申报主体资格、限项规定和配套要求。",
          answer="现场解读了申报指南中的主体资格和限项规定，说明了地方配套要求，并提供了省科技厅业务处室联系人。"),
    Topic("national_match", _TI, "CD", "国家重点研发计划项目地方配套资金申请",
          "平台牵头承担的国家重点研发计划项目要求地方按比例配套，配套资金约{amount}万元尚无渠道，希望协调解决。",
          solution="明确按市重大科技项目配套政策给予支持，由市科技局会同市财政局办理。",
          resolution="配套资金已纳入市科技计划并下达首期经费。",
          leads=("市科技局", "市发改委")),
    Topic("bounty", _TI, "B", "“揭榜挂帅”关键核心技术攻关项目申报辅导",
          "平台有意承接{field}领域“揭榜挂帅”榜单任务，希望获得申报材料准备和联合体组建方面的指导。",
          solution="由联点单位组织专家对申报书进行预审，并推荐了潜在的联合体成员单位。",
          resolution="申报材料已按专家意见修改完善并按时提交。"),
    Topic("acceptance_delay", _TI, "B", "市级科技计划项目验收延期申请",
          "平台承担的市级科技计划项目因关键设备到货延迟，无法按期完成验收，申请延期六个月。",
          solution="指导平台按程序提交延期申请及情况说明，由项目管理部门审核。",
          resolution="延期申请已获批准，验收时间相应顺延。"),
    Topic("rd_deduction", _TI, "A", "研发费用加计扣除政策咨询",
          "依托单位咨询委托研发和合作研发费用能否享受加计扣除，以及费用归集口径。",
          answer="现场说明了委托研发、合作研发费用加计扣除的计算规定和归集口径，并推荐了税务部门的政策辅导渠道。"),
    Topic("hitech_cert", _TI, "AB", "高新技术企业重新认定材料准备",
          "依托企业今年高新技术企业资格到期，需重新认定，对知识产权和研发费用专项审计的要求不清楚。",
          answer="现场讲解了重新认定的条件和时间节点，提供了材料清单和专项审计要点。",
          solution="安排认定辅导专员一对一指导材料准备。",
          resolution="认定材料已按期提交，通过专家评审并公示。"),
    Topic("scenario", _TI, "C", "申请开放城市应用场景开展示范验证",
          "平台研发的{field}相关技术已完成样机，希望在市内{scene}开展示范应用验证，需协调场景开放单位。",
          solution="由牵头单位梳理场景清单，确定首批示范点位和对接单位。",
          resolution="已与场景单位签订示范应用协议，示范项目上线运行。",
          leads=("市发改委", "district")),
    Topic("cross_region", _TI, "D", "跨省联合攻关项目需省级部门协调",
          "平台与外省科研机构联合承担国家任务，涉及科研经费跨省拨付和数据共享，需要省级科技部门出面协调。",
          solution="市委科技办已向省科技厅报送协调函，由省科技厅组织双方对接会商。",
          resolution="省科技厅已组织两省科技部门会商，经费拨付和数据共享机制已明确。"),
    Topic("data_transfer", _TI, "AD", "科研数据出境合规要求咨询",
          "平台与境外合作方联合开展研究，需向境外传输部分实验数据，咨询数据出境安全评估的要求。",
          answer="现场介绍了数据出境安全评估、标准合同备案的适用情形，建议先开展数据分类分级。",
          solution="市委科技办协调网信部门开展合规辅导，明确按标准合同备案路径办理。",
          resolution="数据出境标准合同已完成备案。"),
    # 成果转化
    Topic("ownership_reform", _AT, "BC", "职务科技成果赋权改革试点备案",
          "依托单位拟对{people}项职务科技成果开展赋予科研人员所有权或长期使用权试点，备案流程与国有资产管理的衔接不清楚。",
          solution="明确赋权成果的备案材料清单，由牵头单位会同国资监管部门出具办理指引。",
          resolution="赋权试点备案已完成，首批成果完成权属变更登记。",
          leads=("市科技局", "市教育局")),
    Topic("pilot_partner", _AT, "B", "成果转化对接：寻找中试熟化合作企业",
          "平台{field}方向一项成果已完成小试，需要有中试条件的企业合作熟化，希望帮助对接。",
          solution="联点单位梳理了{district}相关企业名单，安排两场专场对接会。",
          resolution="已与一家企业签订中试合作协议。"),
    Topic("tech_contract", _AT, "A", "技术合同认定登记流程咨询",
          "平台对外签订了多项技术开发合同，咨询技术合同认定登记的流程和可享受的税收优惠。",
          answer="现场演示了技术合同网上登记流程，说明了技术交易免征增值税和技术交易奖补政策的条件。"),
    Topic("equity_approval", _AT, "CD", "科技成果作价入股国有资产审批",
          "依托单位拟以一项发明专利作价{amount}万元入股新设企业，国有资产评估备案和审批环节多、周期长。",
          solution="明确由主管部门简化评估备案流程，成果作价入股事项实行一次性审核。",
          resolution="作价入股审批已完成，新企业已注册成立。"),
    Topic("venture", _AT, "B", "对接科技金融和风险投资机构",
          "平台孵化的{people}个项目处于产业化前期，希望对接天使投资和科技信贷资源。",
          solution="联点单位组织科技金融专场路演，邀请多家投资机构和银行参加。",
          resolution="已有一个项目获得天使轮投资，另一个项目获得科技信贷支持。"),
    Topic("first_set", _AT, "CD", "首台（套）重大技术装备认定及保险补偿",
          "平台联合企业研制的{field}装备已完成用户验证，申请首台（套）认定和保险补偿，希望协调加快认定。",
          solution="明确由市发改委会同市工信局将该装备纳入本年度首台（套）推荐目录。",
          resolution="已通过省级首台（套）认定，保险补偿资金已申报。",
          leads=("市发改委",), fields=("先进制造", "交通运输", "电子信息", "新能源与储能")),
    Topic("poc_center", _AT, "AB", "概念验证中心建设支持政策",
          "平台拟建设概念验证中心，咨询市级认定条件和支持政策。",
          answer="现场说明了概念验证中心的认定条件、绩效评价方式和资金支持标准。",
          solution="指导平台对照认定条件完善建设方案，纳入下一批认定申报。",
          resolution="建设方案已修改完善并提交认定申报。"),
    Topic("clinical", _AT, "D", "创新药临床试验申请和伦理审查互认推进缓慢",
          "平台研发的一类创新药已完成临床前研究，临床试验申请和多中心伦理审查互认推进缓慢，需向省药监部门反映协调。",
          solution="市委科技办已商请省药监局将该品种纳入重点服务清单，推动伦理审查结果互认。",
          resolution="临床试验申请已获受理，牵头单位伦理审查结果获参与单位认可。",
          fields=("生物医药",)),
    # 人才培育
    Topic("talent_settle", _TC, "C", "引进高层次人才落户及子女入学",
          "平台新引进{people}名高层次人才，其家属落户和子女就近入学问题需协调公安、教育等部门。",
          solution="明确由牵头单位按高层次人才子女入学政策统筹安排学位，落户按绿色通道办理。",
          resolution="人才家属落户手续已办结，子女已安排入学。",
          leads=("市教育局", "district")),
    Topic("talent_housing", _TC, "B", "人才公寓配租申请",
          "平台新进{people}名博士和青年骨干，申请人才公寓配租，希望加快审核。",
          solution="联点单位协调人才公寓管理部门，将平台人员纳入本批次配租审核。",
          resolution="已配租人才公寓{people}套，人员已入住。"),
    Topic("young_talent", _TC, "A", "青年科技人才项目申报咨询",
          "平台青年骨干咨询市级青年科技人才项目的申报年龄、条件和推荐程序。",
          answer="现场解读了申报条件和推荐程序，并提供了今年的申报通知和申报系统入口。"),
    Topic("talent_subsidy", _TC, "CD", "引进人才薪酬补贴兑现",
          "平台去年引进的海外高层次人才，按政策应享受的薪酬补贴{amount}万元尚未兑现，涉及人社、财政等部门审核。",
          solution="明确由市科技局牵头会同人社、财政部门联合审核，补贴随下一批次统一兑现。",
          resolution="薪酬补贴已审核通过并拨付到位。"),
    Topic("postdoc", _TC, "BC", "博士后科研工作站设站申请",
          "依托单位拟申请设立博士后科研工作站，希望在申报材料和评审推荐方面获得指导。",
          solution="明确由人社部门专家对申报材料进行预审，并列入年度推荐名单。",
          resolution="设站申请已通过评审，获批设立。",
          leads=("市教育局", "市科技局")),
    Topic("talent_cert", _TC, "AB", "高层次人才分类认定",
          "平台{people}名骨干符合高层次人才分类认定条件，咨询认定材料和办理时限。",
          answer="现场说明了分类认定标准、所需材料和办理时限，并发送了申报操作指南。",
          solution="联点单位协助梳理人员材料，统一报送人才认定部门。",
          resolution="{people}名骨干已完成高层次人才认定，享受相应待遇。"),
    Topic("foreign_expert", _TC, "C", "外籍专家工作许可和居留办理",
          "平台聘请的外籍专家工作许可即将到期，延期和居留办理涉及多个部门，希望协调加快。",
          solution="由市科技局外国专家服务窗口牵头，会同出入境管理部门实行一站式办理。",
          resolution="外籍专家工作许可延期和居留许可已办结。"),
    # 其他
    Topic("evaluation", _OT, "A", "平台绩效评估材料报送口径咨询",
          "平台正在准备年度绩效评估材料，咨询科研产出、成果转化等指标的统计口径。",
          answer="现场说明了各项指标的统计口径和佐证材料要求，并提供了往年的优秀案例。"),
    Topic("commute", _OT, "C", "园区公交线路和通勤条件优化",
          "平台所在园区公交线路少、末班车早，科研人员加班后通勤困难，希望协调优化公交线路。",
          solution="由所在区会同公交集团调整线路，增开高峰和晚间班次。",
          resolution="新增一条园区微循环公交线路，末班车时间延后。",
          leads=("district", "市发改委")),
    Topic("land_plan", _OT, "D", "扩建研发楼涉及用地规划性质调整",
          "平台拟在现有用地上扩建研发楼，需将部分用地由工业用地调整为科研用地，涉及控规调整，需市级统筹。",
          solution="市委科技办会同市自然资源和规划局明确了控规调整路径和办理时限。",
          resolution="控规调整已获批准，扩建项目可按程序报建。"),
    Topic("tax_policy", _OT, "BC", "科技创新税收优惠和奖补政策兑现",
          "依托单位去年的研发费用奖补和进口科研用品免税政策尚未兑现，希望协调加快办理。",
          solution="明确由牵头单位会同税务部门核实资格，按批次兑现。",
          resolution="奖补资金已兑现到位。"),
]
_TOPICS_BY_KEY = {t.key: t for t in TOPICS}

_INSTRUMENTS = ["场发射扫描电镜", "高分辨质谱仪", "原子力显微镜", "X射线衍射仪", "激光共聚焦显微镜", "核磁共振波谱仪"]
_SCENES = ["轨道交通站点", "智慧园区", "市属医院", "城市主干道", "政务服务中心", "产业园区"]
_HANDOVER_NOTES = {
    IssueClass.B: "交本单位办理，请按时限办结。",
    IssueClass.C: "请牵头单位会同配合单位协调解决。",
    IssueClass.D: "需市级统筹调度，报请市委科技办协调。",
}
_HANDLING_COMMENTS = [
    "已召集相关单位会商，正在推进，预计近期可确定解决方案。",
    "已安排专人对接平台，正在办理中。",
    "已与平台联系人沟通，相关材料正在审核。",
]
_OVERDUE_COMMENTS = [
    "已超期，请抓紧协调办理，并于本周内反馈进展。",
    "请对照时限要求加快推进，有困难及时报告。",
]
_RATINGS = [(5, 50), (4, 38), (3, 12)]
_RATING_COMMENTS = {5: "办理及时，问题得到圆满解决。", 4: "问题基本解决，沟通顺畅。", 3: "问题已解决，但办理周期偏长。"}
_EXTENSION_REASON = "涉及多个部门会签，需延长10个工作日办理。"


@dataclass
class IssuePlan:
    contact: Contact
    issue_class: str
    topic: Topic
    #: open, handed_over, solution (determined), resolved
    state: str
    hand_over: bool = True
    via_solution: bool = False  # resolved after a solution was determined
    rating: int | None = None
    comment: str = ""  # a comment on the timeline, by the leader concerned
    extension: bool = False  # a pending extension request
    params: dict = field(default_factory=dict)


def _params(rng: random.Random, platform: Platform) -> dict:
    return {
        "pick_lead": rng.random(),  # which unit leads a class C issue, and who cooperates
        "pick_cooperating": rng.random(),
        "district": platform.district,
        "field": platform.technology_field,
        "people": rng.randint(2, 6),
        "area": rng.randrange(400, 2001, 100),
        "amount": rng.randrange(80, 1201, 20),
        "kva": rng.randrange(800, 3201, 200),
        "mu": rng.randrange(20, 121, 5),
        "instrument": rng.choice(_INSTRUMENTS),
        "scene": rng.choice(_SCENES),
    }


class _IssueDraw:
    """Draws the demo's issues over the contacts: which contact raises which class and topic,
    and how far each has got as of ``today``. Pure: reads nothing but what it is given."""

    def __init__(self, contacts, calendar, today, rng):
        self.contacts = contacts
        self.calendar = calendar
        self.today = today
        self.rng = rng
        self.soon_until = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS)[0]
        self.used: set[int] = set()
        self.topics_by_platform: dict[int, set[str]] = {}
        self.topic_uses: dict[str, int] = {}
        self.plans: list[IssuePlan] = []
        self._due: dict = {}

    # the due date a contact's issue of a class would get, and where that falls as of today
    def due(self, contact, klass) -> tuple[datetime.date, bool]:
        key = (contact.date, klass)
        if key not in self._due:
            self._due[key] = self.calendar.add_working_days(contact.date, WORKING_DAYS_BY_CLASS[klass])
        return self._due[key]

    def category(self, contact, klass) -> str:
        due, _provisional = self.due(contact, klass)
        if due < self.today:
            return "past"
        return "soon" if due <= self.soon_until else "later"

    def working_days_left(self, contact, klass) -> int:
        """Working days from today to the due date; negative once it has passed."""
        key = (contact.date, klass, "left")
        if key not in self._due:
            self._due[key] = self.calendar.working_days_between(self.today, self.due(contact, klass)[0])
        return self._due[key]

    def free(self, contacts=None):
        return [c for c in (self.contacts if contacts is None else contacts) if c.pk not in self.used]

    def topic(self, contact, klass) -> Topic | None:
        """A topic of the class the platform has not raised yet: often the need the contact noted,
        else any, the ones drawn less often so far more likely (a spread of titles)."""
        taken = self.topics_by_platform.get(contact.platform_id, set())
        fits = [
            t for t in TOPICS
            if klass in t.classes and t.key not in taken
            and (not t.fields or contact.platform.technology_field in t.fields)
        ]
        if not fits:
            return None
        wanted = [t for t in fits if t.key in _NEED_TOPICS.get(contact.needs, ())]
        if wanted and self.rng.random() < 0.5:
            fits = wanted
        return self.rng.choices(fits, [1 / (1 + self.topic_uses.get(t.key, 0)) ** 2 for t in fits])[0]

    def add(self, contact, klass, state, **options) -> IssuePlan | None:
        topic = self.topic(contact, klass)
        if topic is None:
            return None
        self.used.add(contact.pk)
        self.topics_by_platform.setdefault(contact.platform_id, set()).add(topic.key)
        self.topic_uses[topic.key] = self.topic_uses.get(topic.key, 0) + 1
        plan = IssuePlan(contact, klass, topic, state, params=_params(self.rng, contact.platform), **options)
        self.plans.append(plan)
        return plan

    def _first(self, klass, contacts, state, **options) -> bool:
        """Add an issue of ``klass`` at the first of ``contacts`` that can take one."""
        return self._first_of(((klass, c) for c in contacts), state, **options)

    def _first_of(self, candidates, state, **options) -> bool:
        """Add an issue at the first of the (class, contact) ``candidates`` that can take one."""
        for klass, contact in candidates:
            if self.add(contact, klass, state, **options) is not None:
                return True
        return False

    def draw(self, *, demo_cadre_id: int | None, leader_unit_id: int | None) -> dict:
        """Draw every issue; return the gaps: what the demo should show and no contact allowed."""
        gaps = {}
        if leader_unit_id is not None and not self.leader_unit(leader_unit_id, demo_cadre_id):
            gaps["leader_c"] = True
        if demo_cadre_id is not None:
            if not self.demo_cadre_due_soon(demo_cadre_id):
                gaps["demo_soon"] = True
            self.demo_cadre_overdue(demo_cadre_id)
            self.demo_cadre_later(demo_cadre_id)
        picks = self.others()
        if not any(category == "stalled" for category, *_ in picks):
            gaps["stalled"] = True
        soon = {k: n - sum(category == "soon" and plan.issue_class == k for category, plan, _p in picks)
                for k, n in _DUE_SOON.items()}
        if any(soon.values()):
            gaps["soon"] = {k: n for k, n in soon.items() if n > 0}
        return gaps

    # -- the demo logins' issues
    def leader_unit(self, unit_id: int, demo_cadre_id: int | None) -> bool:
        """A class C issue of the demo leader's unit, open and not handed over yet, not due soon."""
        ours = [c for c in self.free() if c.cadre.unit_id == unit_id and self.category(c, "C") == "later"]
        # Preferably another cadre's than the demo cadre's (the leader hands it over), the latest.
        ours.sort(key=lambda c: (c.cadre_id != demo_cadre_id, c.date, c.pk), reverse=True)
        return self._first(IssueClass.C, ours, "open", hand_over=False)

    def demo_cadre_due_soon(self, cadre_id: int) -> bool:
        """The demo cadre: an issue due within the next working days (1 to 3), not handed over yet."""
        soon = [
            (k, c) for c in self.free() if c.cadre_id == cadre_id for k in "BCD"
            if self.category(c, k) == "soon" and self.working_days_left(c, k) >= 1
        ]
        return self._first_of(reversed(soon), "open", hand_over=False)

    def demo_cadre_overdue(self, cadre_id: int) -> None:
        """One overdue: the most recently overdue, escalated to the unit leader first, the office later."""
        past = [(self.due(c, k)[0], c.date, k, c) for c in self.free() if c.cadre_id == cadre_id for k in "BCD"
                if self.category(c, k) == "past"]
        past.sort(key=lambda row: row[:3], reverse=True)
        self._first_of([(k, c) for *_, k, c in past], "handed_over", comment=_OVERDUE_COMMENTS[0])

    def demo_cadre_later(self, cadre_id: int) -> None:
        """And one handed over, not due yet."""
        later = [(k, c) for c in self.free() if c.cadre_id == cadre_id for k in "DC" if self.category(c, k) == "later"]
        self._first_of(reversed(later), "handed_over")

    # -- the rest
    def others(self) -> list:
        """The other issues; returns the B, C and D ones drawn, as (category, plan, provisional)."""
        counts = {k: sum(p.issue_class == k for p in self.plans) for k in ISSUE_COUNTS}
        wanted = {k: ISSUE_COUNTS[k] - counts[k] for k in (IssueClass.B, IssueClass.C, IssueClass.D)}
        picks = {k: [] for k in wanted}  # (category, plan, provisional)

        def take(klass, pool, n, category, provisional=False):
            pool = self.rng.sample(pool, max(0, min(n, len(pool))))
            for contact in pool:
                if contact.pk not in self.used and len(picks[klass]) < wanted[klass]:
                    plan = self.add(contact, klass, "", hand_over=True)
                    if plan is not None:
                        picks[klass].append((category, plan, provisional))

        def pool(klass, category):
            return [c for c in self.free() if self.category(c, klass) == category]

        # The narrowest windows first. D issues whose due date reaches a year not loaded yet:
        take(IssueClass.D, [c for c in pool(IssueClass.D, "later") if self.due(c, IssueClass.D)[1]], _PROVISIONAL_D,
             "later", provisional=True)
        # One C issue stalled long enough for the sweep to escalate it to the office as well.
        take(IssueClass.C, [c for c in pool(IssueClass.C, "past") if -20 <= self.working_days_left(c, "C") <= -8],
             1, "stalled")
        for klass in wanted:
            take(klass, pool(klass, "soon"), _DUE_SOON[klass], "soon")
        for klass in wanted:
            # Past due: the most recent ones, as the older ones would have been closed long ago.
            past = sorted(pool(klass, "past"), key=lambda c: c.date)
            take(klass, past[-max(3 * _PAST_DUE[klass], 30):], _PAST_DUE[klass], "past")
        for klass, n in wanted.items():
            take(klass, pool(klass, "later"), n - len(picks[klass]), "later")
            # Not enough contacts whose issue would not be due yet: any left, closed (on time or late).
            take(klass, pool(klass, "soon"), n - len(picks[klass]), "soon, closed")
            take(klass, pool(klass, "past"), n - len(picks[klass]), "past")

        overdue_left = dict(_OVERDUE_LEFT_OPEN)
        extensions = {"soon": 1, "past": 1}
        for klass in wanted:
            for category, plan, provisional in picks[klass]:
                if category == "stalled":
                    plan.state = "handed_over"
                    plan.comment = _OVERDUE_COMMENTS[1]
                elif category == "soon":
                    plan.state = self.rng.choices(["open", "handed_over"], [30, 70])[0]
                elif category == "past" and overdue_left[klass]:
                    overdue_left[klass] -= 1
                    plan.state = self.rng.choice(["open", "handed_over", "handed_over"])
                    plan.comment = self.rng.choice(_OVERDUE_COMMENTS)
                elif category in ("past", "soon, closed"):
                    plan.state = self.rng.choices(["resolved", "solution"], [65, 35])[0]
                elif provisional:
                    plan.state = self.rng.choices(["open", "handed_over"], [30, 70])[0]
                else:
                    plan.state = self.rng.choices(["open", "handed_over", "solution", "resolved"], [12, 38, 15, 35])[0]
                if plan.state == "open":
                    plan.hand_over = False
                if plan.state == "handed_over" and not plan.comment and self.rng.random() < 0.35:
                    plan.comment = self.rng.choice(_HANDLING_COMMENTS)
                if plan.state == "resolved":
                    plan.via_solution = self.rng.random() < 0.3
                    plan.hand_over = klass != IssueClass.B or plan.via_solution or self.rng.random() < 0.7
                    if self.rng.random() < 0.3:
                        plan.rating = self.rng.choices([r for r, _ in _RATINGS], [w for _, w in _RATINGS])[0]
                if plan.state in ("open", "handed_over") and category in extensions and extensions[category]:
                    extensions[category] -= 1
                    plan.extension = True

        # Class A: answered on the spot, at any contact; a few contacts also raised another issue.
        wanted_a = ISSUE_COUNTS[IssueClass.A] - counts[IssueClass.A]
        fresh = self.free()
        shared = [c for c in self.contacts if c.pk in self.used]
        raised = self.rng.sample(fresh, max(0, min(len(fresh), wanted_a - wanted_a // 5)))
        raised += self.rng.sample(shared, max(0, min(len(shared), wanted_a - len(raised))))
        for contact in raised:
            rating = None
            if self.rng.random() < 0.15:
                rating = self.rng.choices([r for r, _ in _RATINGS], [w for _, w in _RATINGS])[0]
            self.add(contact, IssueClass.A, "resolved", hand_over=False, rating=rating)
        return [pick for klass in wanted for pick in picks[klass]]


def _catch_up_contacts(
    gaps: dict, contacts: list, platforms: dict, calendar, today: datetime.date, report: SeedReport
) -> None:
    """Phone calls logged where the seeded contacts leave a gap in what the demo must show.

    This quarter's contacts are random, and early in a quarter they are all recent. So where none
    fits (``gaps``, from ``_IssueDraw.draw``), a call on the right day is logged and added to
    ``contacts``, for: the demo cadre's issue due within the next working days, the demo leader's
    unit's class C issue still to hand over, other issues due within the next working days (the
    sweep's reminders), and a class C issue overdue long enough to be escalated to the office.
    """
    rng = random.Random(f"{SEED}:catch-up:{today.isoformat()}")
    holders = sorted(
        Assignment.objects.active().filter(platform__in=platforms.values()).select_related(
            "cadre__user", "cadre__unit", "platform"
        ),
        key=lambda a: a.platform.name,
    )
    demo = Cadre.objects.filter(user__username=_LOGINS["cadre"]["username"]).first()
    demo_id = demo.pk if demo else None
    leader_unit = Unit.objects.filter(leader__username=_LOGINS["leader"]["username"]).first()

    def log(assignment, day, needs=""):
        if not assignment.start_date <= day <= today:
            return
        try:
            contact = services.contact_create(
                cadre=assignment.cadre,
                platform=assignment.platform,
                date=day,
                kind=Contact.Kind.CALL,
                people_met=assignment.platform.contact_person,
                summary="电话了解平台近期建设进展和困难需求。",
                needs=needs,
                by=assignment.cadre.user,
            )
        except ValidationError as error:
            report.warnings.append(f"No call logged with {assignment.platform} on {day}: {' '.join(error.messages)}")
            return
        report.count("contacts", created=1)
        contacts.append(contact)

    def recorded_to_be_due_in(working_days, klass=IssueClass.B):
        due = calendar.add_working_days(today, working_days)[0]
        return calendar.add_working_days(due, -WORKING_DAYS_BY_CLASS[klass])[0]

    others = [a for a in holders if a.cadre_id != demo_id]
    if gaps.get("demo_soon"):
        mine = [a for a in holders if a.cadre_id == demo_id]
        if mine:
            log(mine[0], recorded_to_be_due_in(2))
    if gaps.get("leader_c") and leader_unit is not None:
        ours = [a for a in holders if a.cadre.unit_id == leader_unit.pk]
        ours.sort(key=lambda a: a.cadre_id == demo_id)  # another cadre's than the demo cadre's, if any
        if ours:
            log(ours[0], today, "希望协助对接市内应用场景。")
    for klass, missing in gaps.get("soon", {}).items():
        for n, assignment in enumerate(rng.sample(others, min(missing, len(others)))):
            log(assignment, recorded_to_be_due_in(1 + n % DUE_SOON_WORKING_DAYS, klass))
    if gaps.get("stalled") and others:
        due = calendar.add_working_days(today, -10)[0]
        log(rng.choice(others), calendar.add_working_days(due, -WORKING_DAYS_BY_CLASS[IssueClass.C])[0])


_CITY_DEPARTMENTS = [name for name, kind, *_ in UNITS if kind == _CITY]
_UNIT_OF_AREA = {area: name for name, _kind, _prefix, area, _count in UNITS if area}


class _Actors:
    """Who takes each step of an issue: the platform's cadre now, the unit leaders, the office."""

    def __init__(self, platforms: dict):
        active = Assignment.objects.active().filter(platform__in=platforms.values())
        self.current = {a.platform_id: a.cadre for a in active.select_related("cadre__user", "cadre__unit")}
        self.units = {u.name: u for u in Unit.objects.select_related("leader")}
        self.office = next((u for u in self.units.values() if u.is_office), None)
        self._users = {}

    def user(self, user):
        # One object per user, so the roles cached on it are worked out once.
        return self._users.setdefault(user.pk, user)

    def leader(self, unit):
        """The unit's leader, if it has an active one."""
        if unit is None:
            return None
        unit = self.units.get(unit.name, unit)
        leader = unit.leader if unit.leader_id else None
        return self.user(leader) if leader is not None and leader.is_active else None

    def class_c_units(self, plan: IssuePlan, cadre) -> tuple:
        """The lead unit and the cooperating units of a class C issue."""
        district_unit = _UNIT_OF_AREA.get(plan.contact.platform.district, "")
        names = [district_unit if n == "district" else n for n in plan.topic.leads]
        names = [n for n in names if n in self.units and not self.units[n].is_office] or ["市科技局"]
        lead = self.units[names[int(plan.params["pick_lead"] * len(names))]]
        cooperating = []
        if cadre.unit_id != lead.pk:
            cooperating.append(cadre.unit)
        others = [self.units[n] for n in _CITY_DEPARTMENTS if n in self.units and self.units[n].pk not in
                  {lead.pk, cadre.unit_id}]
        if others and (not cooperating or plan.params["pick_cooperating"] < 0.5):
            cooperating.append(others[int(plan.params["pick_cooperating"] * len(others))])
        return lead, cooperating


def _write_issue(plan: IssuePlan, actors: _Actors) -> Issue:
    """Record one planned issue and take it as far as planned, through issues.services."""
    contact, klass, topic, params = plan.contact, plan.issue_class, plan.topic, plan.params
    recorder = actors.user(contact.cadre.user)
    issue = issue_services.issue_create(
        by=recorder,
        platform=contact.platform,
        title=topic.title.format(**params),
        service_area=topic.area,
        issue_class=klass,
        description=topic.description.format(**params),
        recorded_on=contact.date,
        contact=contact,
        answer=topic.answer.format(**params) if klass == IssueClass.A else "",
    )
    cadre = actors.current.get(contact.platform_id, contact.cadre)
    cadre_user = actors.user(cadre.user)
    handler = cadre_user
    if klass != IssueClass.A and plan.hand_over:
        lead, cooperating = actors.class_c_units(plan, cadre) if klass == IssueClass.C else (None, [])
        issue = issue_services.issue_hand_over(
            issue=issue, by=cadre_user, lead_unit=lead, cooperating_units=cooperating, note=_HANDOVER_NOTES[klass]
        )
        if klass != IssueClass.B:
            # The unit it was handed to does the work: its leader records the solution and the result.
            handler = actors.leader(issue.handed_to_unit) or cadre_user
    if plan.state == "solution" or plan.via_solution:
        issue = issue_services.issue_determine_solution(
            issue=issue, by=handler, solution=topic.solution.format(**params)
        )
    if plan.state == "resolved" and klass != IssueClass.A:
        issue = issue_services.issue_resolve(issue=issue, by=handler, resolution=topic.resolution.format(**params))
    if plan.rating:
        issue = issue_services.issue_rate(issue=issue, by=cadre_user, rating=plan.rating,
                                          comment=_RATING_COMMENTS[plan.rating])
    if plan.comment:
        # Chasing an overdue issue is the cadre's unit leader's; progress notes are the handler's.
        author = actors.leader(cadre.unit) if plan.comment in _OVERDUE_COMMENTS else handler
        issue_services.issue_comment(issue=issue, by=author or cadre_user, text=plan.comment)
    if plan.extension:
        issue_services.issue_request_extension(issue=issue, by=cadre_user, reason=_EXTENSION_REASON,
                                               extra_working_days=10)
    return issue


def _seed_issues(platforms: dict, today: datetime.date, report: SeedReport) -> None:
    """About 150 issues raised at the seeded contacts, each taken as far as a real one would be.

    Drawn once, into a database with no issue on the seeded platforms: any issue there (seeded, or
    logged since) means the demo's issues are in place, and they are left as they are. Every step
    goes through issues.services, which stamp a handover, a solution or a resolution as of today:
    so the issues closed are mostly ones not yet due (closed on time); the few older ones closed
    are closed late. The demo cadre gets one overdue issue and one due within the next working
    days; the demo leader's unit a class C issue still to hand over.
    """
    if Issue.objects.filter(platform__in=platforms.values()).exists():
        return
    calendar = load_calendar()
    contacts = list(
        Contact.objects.filter(platform__in=platforms.values(), date__lte=today).select_related(
            "platform", "cadre__user", "cadre__unit"
        )
    )

    def order(contact):
        return contact.date, contact.platform.name, contact.kind, contact.pk

    contacts.sort(key=order)
    demo = Cadre.objects.filter(user__username=_LOGINS["cadre"]["username"]).first()
    leader_unit = Unit.objects.filter(leader__username=_LOGINS["leader"]["username"]).first()

    def draw():
        drawn = _IssueDraw(contacts, calendar, today, random.Random(f"{SEED}:issues:{today.isoformat()}"))
        gaps = drawn.draw(
            demo_cadre_id=demo.pk if demo else None, leader_unit_id=leader_unit.pk if leader_unit else None
        )
        return drawn, gaps

    drawn, gaps = draw()
    if gaps:
        # Log the calls the draw lacked, and draw again over them.
        _catch_up_contacts(gaps, contacts, platforms, calendar, today, report)
        contacts.sort(key=order)
        drawn, _gaps = draw()

    actors = _Actors(platforms)
    for plan in sorted(drawn.plans, key=lambda p: (*order(p.contact), p.issue_class)):
        try:
            with transaction.atomic():
                _write_issue(plan, actors)
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            report.warnings.append(
                f"Issue {plan.topic.key!r} of {plan.contact.platform} not seeded: {' '.join(messages)}"
            )
        else:
            report.count("issues", created=1)


def issue_summary(today: datetime.date | None = None) -> dict:
    """The issues in the database by class and status, and the figures the demo is meant to show."""
    today = today or timezone.localdate()
    until = load_calendar().add_working_days(today, DUE_SOON_WORKING_DAYS)[0]
    by_class = {klass: dict.fromkeys(Issue.Status.values, 0) for klass in IssueClass.values}
    for klass, status, n in Issue.objects.values_list("issue_class", "status").annotate(n=Count("pk")).order_by():
        by_class[klass][status] = n
    open_issues = Issue.objects.open()
    stopped = Issue.objects.clock_stopped().exclude(issue_class=IssueClass.A)
    return {
        "by_class": by_class,
        "overdue": open_issues.filter(due_date__lt=today).count(),
        "due_soon": open_issues.filter(due_date__gte=today, due_date__lte=until).count(),
        "provisional": open_issues.filter(due_date_provisional=True).count(),
        "on_time": stopped.filter(on_time=True).count(),
        "late": stopped.filter(on_time=False).count(),
        "rated": Issue.objects.filter(rating__isnull=False).count(),
        "extensions_pending": ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).count(),
    }
