"""The launched scheme as demo data, for ``manage.py seed_demo``.

290 platforms (39 national, 245 provincial or ministerial, 6 municipal), 89 cadres in the
science departments of the city, its districts, counties and parks, every platform served by
one cadre and every cadre serving 2 to 4 platforms, a quarter's contacts, and one login per role
(``DEMO_LOGINS``).

The scheme is generated from a fixed seed, so it is the same on every machine, and written
idempotently: rows are found by their names, created when missing and updated only where they
differ, so a second run changes nothing. Assignments and contacts are written through
liaison.services, so the demo obeys the same rules as the portal. The Chinese names and places
are data, not interface text.
"""

import calendar as _calendar
import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from platforms.models import Platform

from . import services
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
    _seed_launch_contacts(platforms, today, report)
    _seed_contacts(scheme, platforms, today, report)
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


def _seed_launch_contacts(platforms: dict, today: datetime.date, report: SeedReport) -> None:
    """The launch duties: a first contact within the week and a first visit within the month.

    A few platforms are left without their first visit, so that the duty reminders and the
    "next duty" figures have something real to show.
    """
    rng = random.Random(f"{SEED}:launch")
    assignments = Assignment.objects.filter(platform__in=platforms.values()).select_related("cadre__user", "platform")
    # Any contact under the assignment means its launch duties were seeded (or logged) already.
    done = set(
        Contact.objects.filter(platform__in=platforms.values()).values_list("platform_id", "cadre_id").distinct()
    )
    for assignment in sorted(assignments, key=lambda a: a.platform.name):
        call_after, visit_after, skip_visit = rng.randint(1, 5), rng.randint(7, 27), rng.random() < 0.04
        if (assignment.platform_id, assignment.cadre_id) in done:
            continue
        month_end = _calendar.monthrange(assignment.start_date.year, assignment.start_date.month)[1]
        last_day = assignment.start_date.replace(day=month_end)
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


def _seed_contacts(scheme: Scheme, platforms: dict, today: datetime.date, report: SeedReport) -> None:
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
        if holder is None or platform.pk in contacted:
            continue
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
