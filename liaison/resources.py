"""The scheme's lists as files: the columns of each kind and the django-import-export resources
that write them.

A column's header is fixed Chinese (a data-exchange format: it does not follow the interface's
language); import also accepts the English header and the field's name. A choice is written as
its fixed Chinese label and read back from that label, the English label or the code. What
``liaison.bulk`` exports with these resources, it imports back as "nothing changed".
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from import_export import resources
from import_export.fields import Field

from platforms.models import Platform

from .models import BUREAU_STAFF_GROUP, Assignment, Cadre, Contact, Unit, user_display_name

YES, NO = "是", "否"

#: The fixed Chinese labels of the choices, as the template file shows them.
UNIT_KINDS = {
    Unit.Kind.CITY_DEPARTMENT: "市直部门",
    Unit.Kind.DISTRICT: "区县（市）",
    Unit.Kind.PARK: "园区",
}
LEVELS = {
    Platform.Level.NATIONAL: "国家级",
    Platform.Level.PROVINCIAL: "省部级",
    Platform.Level.MUNICIPAL: "市级",
}
CATEGORIES = {
    Platform.Category.NATIONAL_LABORATORY: "国家实验室",
    Platform.Category.NATIONAL_KEY_LABORATORY: "全国重点实验室",
    Platform.Category.PROVINCIAL_KEY_LABORATORY: "省重点实验室",
    Platform.Category.TECHNOLOGY_INNOVATION_CENTRE: "技术创新中心",
    Platform.Category.ENGINEERING_RESEARCH_CENTRE: "工程研究中心",
    Platform.Category.ENGINEERING_TECHNOLOGY_CENTRE: "工程技术研究中心",
    Platform.Category.NEW_TYPE_RD_INSTITUTE: "新型研发机构",
    Platform.Category.INDUSTRIAL_INNOVATION_CENTRE: "产业创新中心",
    Platform.Category.OTHER: "其他",
}
CHANNELS = {
    Platform.Channel.PHONE: "电话",
    Platform.Channel.WECHAT: "微信",
    Platform.Channel.EMAIL: "电子邮件",
    Platform.Channel.VISIT: "上门走访",
    Platform.Channel.MEETING: "会议",
}
CONTACT_KINDS = {
    Contact.Kind.VISIT: "实地走访",
    Contact.Kind.CALL: "电话联系",
    Contact.Kind.MEETING: "会议座谈",
    Contact.Kind.ONLINE: "线上交流",
}
#: Other names people write for a choice (the older name of the national key laboratories).
ALIASES = {"国家重点实验室": Platform.Category.NATIONAL_KEY_LABORATORY, "区县": Unit.Kind.DISTRICT,
           "区县(市)": Unit.Kind.DISTRICT}


@dataclass(frozen=True)
class Column:
    """One column of a kind's file.

    ``key`` is the name the import reads the value under (a service's argument where there is
    one); ``type`` says how a cell is read: text, int, date, bool, choice, email.
    """

    key: str
    zh: str
    en: str
    required: bool = False
    type: str = "text"
    choices: dict = field(default_factory=dict)
    #: An example value for the template file.
    example: str = ""
    #: Written by the export for the reader's sake; the import ignores it.
    informative: bool = False


COLUMNS = {
    "units": [
        Column("name", "单位名称", "Name", required=True, example="市科技局"),
        Column("kind", "单位类型", "Kind", required=True, type="choice", choices=UNIT_KINDS, example="市直部门"),
        Column("is_office", "是否市委科技办", "Is the office", type="bool", example=NO),
        Column("leader_username", "负责人账号", "Leader username", example="kjj_leader"),
        Column("leader_last_name", "负责人姓", "Leader family name", example="王"),
        Column("leader_first_name", "负责人名", "Leader given name", example="建国"),
        Column("leader_email", "负责人邮箱", "Leader e-mail", type="email", example="kjj_leader@example.com"),
    ],
    "cadres": [
        Column("username", "账号", "Username", required=True, example="kjj01"),
        Column("last_name", "姓", "Family name", required=True, example="李"),
        Column("first_name", "名", "Given name", example="明"),
        Column("email", "邮箱", "E-mail", type="email", example="kjj01@example.com"),
        Column("unit", "所属单位", "Unit", required=True, example="市科技局"),
        Column("title", "职务", "Job title", example="科长"),
        Column("phone", "电话", "Phone", example="13800000000"),
        Column("batch", "批次", "Batch", type="int", example="1"),
        Column("is_unit_leader", "单位负责人", "Unit leader", type="bool", example=NO),
        Column("is_bureau_staff", "科技办工作人员", "Bureau staff", type="bool", example=NO),
    ],
    "platforms": [
        Column("name", "平台名称", "Name", required=True, example="长沙先进电池材料省重点实验室"),
        Column("level", "级别", "Level", required=True, type="choice", choices=LEVELS, example="省部级"),
        Column("category", "类别", "Category", required=True, type="choice", choices=CATEGORIES, example="省重点实验室"),
        Column("host_institution", "依托单位", "Host institution", required=True, example="中南大学"),
        Column("district", "所在区县（园区）", "District or park", required=True, example="岳麓区"),
        Column("technology_field", "技术领域", "Technology field", example="新材料"),
        Column("address", "地址", "Address", example="岳麓区麓山南路932号科研楼3楼"),
        Column("contact_person", "联系人", "Contact person", example="张敏（办公室主任）"),
        Column("contact_phone", "联系电话", "Contact phone", example="0731-88880000"),
        Column("contact_email", "联系邮箱", "Contact e-mail", type="email", example="lab@example.com"),
        Column("preferred_channel", "首选联系方式", "Preferred channel", type="choice", choices=CHANNELS, example="电话"),
        Column("preferred_times", "首选联系时间", "Preferred times", example="工作日上午"),
        Column("batch", "批次", "Batch", type="int", example="1"),
    ],
    "assignments": [
        Column("platform", "平台名称", "Platform", required=True, example="长沙先进电池材料省重点实验室"),
        Column("cadre", "干部账号", "Cadre username", required=True, example="kjj01"),
        Column("cadre_name", "干部姓名", "Cadre name", informative=True, example="李明"),
        Column("start_date", "开始日期", "Start date", type="date", example="2026-04-01"),
    ],
    "contacts": [
        Column("date", "日期", "Date", type="date"),
        Column("platform", "平台名称", "Platform"),
        Column("cadre", "干部账号", "Cadre username"),
        Column("cadre_name", "干部姓名", "Cadre name"),
        Column("kind", "方式", "Kind", type="choice", choices=CONTACT_KINDS),
        Column("people_met", "会见人员", "People met"),
        Column("summary", "情况与进展", "Situation and progress"),
        Column("needs", "困难与需求", "Difficulties and needs"),
    ],
}


def cell_text(column: Column, value) -> str:
    """How the export writes ``value`` in ``column``: the same text the import reads back."""
    if value is None:
        return ""
    if column.type == "bool":
        return YES if value else NO
    if column.type == "choice":
        return column.choices.get(value, value) if value else ""
    if column.type == "date" and isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class _ListResource(resources.Resource):
    """A resource whose fields are the kind's columns, each read from the object by ``value_of``."""

    kind = ""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for column in COLUMNS[self.kind]:
            self.fields[column.key] = Field(
                attribute=column.key,
                column_name=column.zh,
                dehydrate_method=lambda obj, column=column: cell_text(column, self.value_of(obj, column.key)),
            )

    def value_of(self, obj, key: str):
        return getattr(obj, key)

    def prepare(self, queryset: QuerySet) -> QuerySet:
        """The queryset read with everything the rows need (one query or a few)."""
        return queryset


def _ordered(queryset: QuerySet, *fields: str) -> QuerySet:
    """The caller's order if it chose one (a list exports rows as it shows them), else ``fields``."""
    return queryset if queryset.query.order_by else queryset.order_by(*fields)


class UnitResource(_ListResource):
    kind = "units"

    class Meta:
        model = Unit
        fields = ()

    def prepare(self, queryset):
        return _ordered(queryset.select_related("leader"), "sort_key", "name")

    def value_of(self, unit, key):
        if key.startswith("leader_"):
            return getattr(unit.leader, key.removeprefix("leader_"), "") if unit.leader else ""
        return getattr(unit, key)


class CadreResource(_ListResource):
    kind = "cadres"

    class Meta:
        model = Cadre
        fields = ()

    def prepare(self, queryset):
        bureau = set(
            get_user_model().objects.filter(groups__name=BUREAU_STAFF_GROUP).values_list("pk", flat=True)
        )
        self._bureau_ids = bureau
        return _ordered(queryset.select_related("user", "unit"), "unit__sort_key", "user__username")

    def value_of(self, cadre, key):
        if key in {"username", "last_name", "first_name", "email"}:
            return getattr(cadre.user, key)
        if key == "unit":
            return cadre.unit.name
        if key == "is_unit_leader":
            return cadre.unit.leader_id == cadre.user_id
        if key == "is_bureau_staff":
            return cadre.user_id in self._bureau_ids
        return getattr(cadre, key)


class PlatformResource(_ListResource):
    kind = "platforms"

    class Meta:
        model = Platform
        fields = ()

    def prepare(self, queryset):
        return _ordered(queryset, "name")


class AssignmentResource(_ListResource):
    """Who serves what now: the active assignments of the queryset (ended ones are history)."""

    kind = "assignments"

    class Meta:
        model = Assignment
        fields = ()

    def prepare(self, queryset):
        return _ordered(queryset.filter(end_date__isnull=True).select_related("platform", "cadre__user"),
                        "cadre__user__username", "platform__name")

    def value_of(self, assignment, key):
        if key == "platform":
            return assignment.platform.name
        if key == "cadre":
            return assignment.cadre.user.username
        if key == "cadre_name":
            return assignment.cadre.name
        return getattr(assignment, key)


class ContactResource(_ListResource):
    kind = "contacts"

    class Meta:
        model = Contact
        fields = ()

    def prepare(self, queryset):
        return _ordered(queryset.select_related("platform", "cadre__user"), "-date", "-id")

    def value_of(self, contact, key):
        if key == "platform":
            return contact.platform.name
        if key == "cadre":
            return contact.cadre.user.username
        if key == "cadre_name":
            return user_display_name(contact.cadre.user)
        return getattr(contact, key)


RESOURCES = {
    "units": UnitResource,
    "cadres": CadreResource,
    "platforms": PlatformResource,
    "assignments": AssignmentResource,
    "contacts": ContactResource,
}
