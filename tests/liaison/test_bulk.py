"""Bulk import and export of the scheme's lists, through the commands (``import_list``,
``export_list``): the launch lists into an empty database, a second batch, bad rows, round trips."""

import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from liaison.demo import LAUNCH_DATE, build_scheme
from liaison.models import Assignment, Cadre, Unit
from liaison.resources import CATEGORIES, COLUMNS, LEVELS, UNIT_KINDS
from liaison.selectors import Duty, my_platforms
from platforms.models import Platform

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAUNCH_MOMENT = datetime.datetime.combine(LAUNCH_DATE, datetime.time(10, 0), tzinfo=SHANGHAI)
HEADERS = {kind: [c.zh for c in columns] for kind, columns in COLUMNS.items()}


def write_xlsx(path, kind, rows, headers=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers or HEADERS[kind])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path, kind, rows, headers=None):
    lines = [",".join(headers or HEADERS[kind])] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def scheme_rows(scheme):
    """The launch lists as a spreadsheet writes them: Chinese labels for the choices."""
    units = [
        [name, UNIT_KINDS[kind], "是" if is_office else "否", leader.username, leader.last_name, leader.first_name,
         leader.email]
        for name, kind, leader, is_office in scheme.units
    ]
    cadres = [
        [c.person.username, c.person.last_name, c.person.first_name, c.person.email, c.unit, c.title, c.phone, 1,
         "否", "否"]
        for c in scheme.cadres
    ]
    platforms = [
        [p["name"], LEVELS[p["level"]], CATEGORIES[p["category"]], p["host_institution"], p["district"],
         p["technology_field"], p["address"], p["contact_person"], p["contact_phone"], p["contact_email"],
         p["preferred_channel"], p["preferred_times"], p["batch"]]
        for p in scheme.platforms
    ]
    assignments = [
        [name, c.person.username, "", LAUNCH_DATE.isoformat()] for c in scheme.cadres for name in c.platforms
    ]
    return {"units": units, "cadres": cadres, "platforms": platforms, "assignments": assignments}


def import_list(kind, path, *, dry_run=False):
    out, err = io.StringIO(), io.StringIO()
    args = ["import_list", kind, str(path)] + (["--dry-run"] if dry_run else [])
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def refused(kind, path):
    """The rows and columns the command names when it refuses the file (and it must refuse it)."""
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_list", kind, str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def snapshot():
    return (
        sorted(Unit.objects.values_list("name", "kind", "is_office", "leader__username")),
        sorted(Cadre.objects.values_list("user__username", "user__last_name", "user__first_name", "unit__name",
                                         "title", "phone", "batch", "is_active")),
        sorted(Platform.objects.values_list("name", "level", "category", "host_institution", "district",
                                            "contact_email", "preferred_channel", "batch")),
        sorted(Assignment.objects.values_list("platform__name", "cadre__user__username", "start_date", "end_date")),
    )


@pytest.fixture(scope="module")
def launch_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("launch")
    rows = scheme_rows(build_scheme())
    return {kind: write_xlsx(folder / f"{kind}.xlsx", kind, kind_rows) for kind, kind_rows in rows.items()}


@pytest.fixture(scope="module", autouse=True)
def launched(django_db_setup, django_db_blocker, launch_files):
    """The launch lists imported once into the empty database, as of the launch day; each test runs
    in a savepoint and the module's import is rolled back afterwards."""
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with time_machine.travel(LAUNCH_MOMENT, tick=False), fast_hashing, django_db_blocker.unblock(), transaction.atomic():
        outputs = {kind: import_list(kind, launch_files[kind]) for kind in ("units", "cadres", "platforms", "assignments")}
        yield outputs
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def launch_day(time_machine):
    time_machine.move_to(LAUNCH_MOMENT, tick=False)


def test_the_launch_lists_give_the_demo_scheme(launched):
    scheme = build_scheme()
    assert "290 new" in launched["platforms"] and "89 new" in launched["cadres"]
    assert sorted(Unit.objects.values_list("name", "kind", "is_office", "leader__username")) == sorted(
        (name, kind, is_office, leader.username) for name, kind, leader, is_office in scheme.units
    )
    User = get_user_model()
    leader = scheme.units[0][2]
    assert User.objects.filter(username=leader.username, last_name=leader.last_name, email=leader.email).exists()
    assert sorted(Cadre.objects.values_list("user__username", "user__last_name", "user__first_name", "unit__name",
                                            "title", "phone")) == sorted(
        (c.person.username, c.person.last_name, c.person.first_name, c.unit, c.title, c.phone) for c in scheme.cadres
    )
    fields = list(scheme.platforms[0])
    assert sorted(Platform.objects.values_list(*fields)) == sorted(tuple(p[f] for f in fields) for p in scheme.platforms)
    assert sorted(Assignment.objects.active().values_list("platform__name", "cadre__user__username", "start_date")) == (
        sorted((name, c.person.username, LAUNCH_DATE) for c in scheme.cadres for name in c.platforms)
    )


@pytest.mark.parametrize("kind", ["units", "cadres", "platforms", "assignments"])
def test_reimporting_the_launch_lists_changes_nothing(launch_files, kind):
    before = snapshot()
    output = import_list(kind, launch_files[kind])
    assert " 0 new, 0 changed" in output
    assert snapshot() == before


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_reads_back_as_nothing_changed(tmp_path, file_format):
    before = snapshot()
    for kind in ("units", "cadres", "platforms", "assignments"):
        path = tmp_path / f"{kind}.{file_format}"
        call_command("export_list", kind, str(path), stdout=io.StringIO())
        output = import_list(kind, path)
        assert " 0 new, 0 changed" in output, (kind, output)
    assert snapshot() == before


def platform_row(name, *, level="省部级", category="省重点实验室", email="lab@example.com", batch=2):
    return [name, level, category, "中南大学", "岳麓区", "新材料", "", "", "", email, "", "", batch]


def test_bad_platform_rows_are_each_named_and_nothing_changes(tmp_path):
    existing = Platform.objects.order_by("name").first().name
    rows = [
        platform_row("第二批平台甲"),
        platform_row("第二批平台乙", level="县级"),
        platform_row("第二批平台甲"),  # twice in the file
        platform_row(f" {existing}　".replace(existing[0], existing[0] + " ", 1)),  # the existing name, re-spaced
        platform_row("第二批平台丙", email="not-an-address"),
        platform_row("第二批平台丁", category="研究所"),
    ]
    before = snapshot()
    err = refused("platforms", write_csv(tmp_path / "platforms.csv", "platforms", rows))
    assert "row 3, column 级别" in err
    assert "row 4, column 平台名称" in err
    assert "row 5, column 平台名称" in err
    assert "row 6, column 联系邮箱" in err
    assert "row 7, column 类别" in err
    assert "row 2," not in err
    assert snapshot() == before


def test_a_missing_required_column_is_named(tmp_path):
    headers = [h for h in HEADERS["platforms"] if h != "依托单位"]
    path = write_xlsx(tmp_path / "platforms.xlsx", "platforms", [["第二批平台甲", "省部级", "省重点实验室", "岳麓区"]],
                      headers=headers)
    err = refused("platforms", path)
    assert "row 1, column 依托单位" in err
    assert not Platform.objects.filter(name="第二批平台甲").exists()


def test_english_headers_and_codes_are_read_too(tmp_path):
    headers = [c.en for c in COLUMNS["platforms"]]
    row = ["Second batch lab", "provincial", "provincial_key_lab", "中南大学", "岳麓区", "", "", "", "", "", "phone", "", 2]
    import_list("platforms", write_csv(tmp_path / "platforms.csv", "platforms", [row], headers=headers))
    platform = Platform.objects.get(name="Second batch lab")
    assert (platform.level, platform.category, platform.preferred_channel, platform.batch) == (
        Platform.Level.PROVINCIAL, Platform.Category.PROVINCIAL_KEY_LABORATORY, Platform.Channel.PHONE, 2)


def test_an_unknown_unit_is_named_and_nothing_changes(tmp_path):
    rows = [
        ["batch2_01", "李", "明", "", "市科技局", "科长", "", 2, "否", "否"],
        ["batch2_02", "王", "芳", "", "市科学技术局", "科长", "", 2, "否", "否"],
        ["batch2_03", "赵", "强", "", "市科技局", "科长", "", 2, "也许", "否"],
    ]
    before = snapshot()
    err = refused("cadres", write_xlsx(tmp_path / "cadres.xlsx", "cadres", rows))
    assert "row 3, column 所属单位" in err
    assert "row 4, column 单位负责人" in err
    assert snapshot() == before
    assert not get_user_model().objects.filter(username="batch2_01").exists()


def test_assignment_rules_over_the_whole_file(tmp_path):
    """A 5th platform for a cadre, a platform served by another cadre, a bad date: each named, nothing changes."""
    import_list("platforms", write_xlsx(tmp_path / "platforms.xlsx", "platforms",
                                        [platform_row(f"第二批平台{i}") for i in range(1, 4)]))
    serving = {c.person.username: len(c.platforms) for c in build_scheme().cadres}
    four = next(name for name, count in serving.items() if count == 4)
    two = next(name for name, count in serving.items() if count == 2)
    taken = Assignment.objects.active().exclude(cadre__user__username__in=[four, two]).first().platform
    rows = [
        ["第二批平台1", four, "", ""],  # a 5th platform
        ["第二批平台2", two, "", "2026-13-01"],
        [taken.name, two, "", ""],
        ["第二批平台3", "nobody", "", ""],
    ]
    before = snapshot()
    err = refused("assignments", write_xlsx(tmp_path / "assignments.xlsx", "assignments", rows))
    assert "row 3, column 开始日期" in err
    assert snapshot() == before
    rows[1][3] = ""
    err = refused("assignments", write_xlsx(tmp_path / "assignments.xlsx", "assignments", rows))
    assert "row 2, column 干部账号" in err and "5" in err
    assert "row 4, column 平台名称" in err
    assert "row 5, column 干部账号" in err
    assert snapshot() == before


def test_a_second_batch_joins_the_launched_scheme_and_starts_its_duties(tmp_path, time_machine):
    from liaison.duties import sweep_contact_duties

    assigned_on = datetime.date(2026, 6, 10)
    time_machine.move_to(datetime.datetime.combine(assigned_on, datetime.time(10, 0), tzinfo=SHANGHAI), tick=False)
    units = list(Unit.objects.filter(is_office=False).values_list("name", flat=True))
    cadres = [[f"batch2_{i:02d}", "钱", f"二{i}", f"batch2_{i:02d}@example.com", units[i % len(units)], "科长", "",
               2, "否", "否"] for i in range(1, 21)]
    platforms = [platform_row(f"第二批平台{i:02d}") for i in range(1, 61)]
    assignments = [[f"第二批平台{i:02d}", f"batch2_{(i - 1) // 3 + 1:02d}", "", ""] for i in range(1, 61)]
    paths = {
        "cadres": write_xlsx(tmp_path / "cadres.xlsx", "cadres", cadres),
        "platforms": write_csv(tmp_path / "platforms.csv", "platforms", platforms),
        "assignments": write_xlsx(tmp_path / "assignments.xlsx", "assignments", assignments),
    }
    for kind in ("cadres", "platforms", "assignments"):
        before = snapshot()
        assert "0 changed, 0 unchanged (dry run" in import_list(kind, paths[kind], dry_run=True)
        assert snapshot() == before
        assert "0 changed, 0 unchanged" in import_list(kind, paths[kind])
    assert Platform.objects.count() == 350 and Cadre.objects.count() == 109
    new = Assignment.objects.filter(platform__name__startswith="第二批平台")
    assert new.count() == 60 and set(new.values_list("start_date", flat=True)) == {assigned_on}

    cadre = Cadre.objects.get(user__username="batch2_01")
    duties = {row.platform.name: row.next_duty for row in my_platforms(user=cadre.user)}
    assert set(duties) == {"第二批平台01", "第二批平台02", "第二批平台03"}
    assert {d.kind for d in duties.values()} == {Duty.FIRST_CONTACT}

    # A week on, the sweep reminds each new assignment's cadre of the first contact.
    time_machine.move_to(datetime.datetime(2026, 6, 17, 10, 0, tzinfo=SHANGHAI), tick=False)
    planned = sweep_contact_duties(dry_run=True).notifications
    reminded = {int(n.key.split(":")[2]) for n in planned if n.key.startswith("first_contact:")}
    assert reminded == set(new.values_list("pk", flat=True))

    for kind in ("cadres", "platforms", "assignments"):
        assert " 0 new, 0 changed" in import_list(kind, paths[kind])


def test_cadre_roles_come_with_the_cadres_list(tmp_path):
    from liaison.access import roles_of

    rows = [["batch2_01", "钱", "明", "", "芙蓉区科技局", "局长", "", 2, "是", "是"]]
    output = import_list("cadres", write_xlsx(tmp_path / "cadres.xlsx", "cadres", rows))
    assert "1 new, 0 changed" in output
    user = get_user_model().objects.get(username="batch2_01")
    roles = roles_of(user)
    assert roles.is_cadre and roles.is_bureau_staff and roles.led_unit_ids == {Unit.objects.get(name="芙蓉区科技局").pk}
    assert not user.has_usable_password()

    path = tmp_path / "cadres-export.csv"
    call_command("export_list", "cadres", str(path), stdout=io.StringIO())
    assert " 0 new, 0 changed" in import_list("cadres", path)

    rows[0][8:] = ["否", "否"]
    assert "0 new, 1 changed" in import_list("cadres", write_xlsx(tmp_path / "cadres.xlsx", "cadres", rows))
    user = get_user_model().objects.get(pk=user.pk)
    roles = roles_of(user)
    assert roles.is_cadre and not roles.is_bureau_staff and not roles.led_unit_ids


def test_units_change_and_the_office_stays_single(tmp_path):
    office = Unit.objects.get(is_office=True)
    rows = [["芙蓉区科技局", "园区", "否", "furong_leader", "", "", ""], ["新设单位", "市直部门", "是", "", "", "", ""]]
    before = snapshot()
    err = refused("units", write_xlsx(tmp_path / "units.xlsx", "units", rows))
    assert "row 3, column 是否市委科技办" in err
    assert snapshot() == before

    rows[1][2] = "否"
    output = import_list("units", write_xlsx(tmp_path / "units.xlsx", "units", rows))
    assert "1 new, 1 changed" in output
    assert Unit.objects.get(name="芙蓉区科技局").kind == Unit.Kind.PARK
    leader = Unit.objects.get(name="芙蓉区科技局").leader
    assert leader.username == "furong_leader" and leader.last_name  # empty cells keep the account's names
    assert Unit.objects.get(is_office=True) == office
