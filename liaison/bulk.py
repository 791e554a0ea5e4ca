"""Bulk import and export of the scheme's lists: units, cadres, platforms and assignments.

The public interface (the administration pages, the admin, the API, the commands and the staff
list pages use it):

- ``export_bytes(kind=..., queryset=..., file_format=...)``: a kind's rows as an xlsx or csv file;
- ``template_bytes(kind=...)``: the xlsx template, its headers and one example row;
- ``import_file(kind=..., content=..., file_format=..., dry_run=...)``: the import, always all or
  nothing. Every row is read and the rules over the whole file are checked first (2 to 4
  platforms per cadre afterwards, one cadre per platform, no duplicate names in the file or
  against the database, known units and choices); then every new or changed row goes through the
  services (``liaison.services``, ``platforms.services``) in one transaction, which a dry run, or
  any refused row, rolls back. The result names every bad row by its row number in the file and
  its column.

What ``export_bytes`` writes, ``import_file`` reads back with every row "unchanged".
"""

import csv
import datetime
import io
import secrets
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from platforms import services as platform_services
from platforms.models import Platform

from . import services
from .models import Assignment, Cadre, Contact, Unit
from .resources import ALIASES, COLUMNS, NO, RESOURCES, YES, Column, cell_text

KINDS = ("units", "cadres", "platforms", "assignments")
#: Contacts are exported only.
EXPORT_KINDS = KINDS + ("contacts",)
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
#: The model each kind's queryset is of.
KIND_MODELS = {"units": Unit, "cadres": Cadre, "platforms": Platform, "assignments": Assignment, "contacts": Contact}
#: A list of a few thousand rows is far below this; anything bigger is not one of the scheme's lists.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

#: What the import does with a row.
NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


# --- export ---------------------------------------------------------------------------------------


def _check_kind(kind: str, kinds=EXPORT_KINDS) -> None:
    if kind not in kinds:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(kinds)}")


def _check_format(file_format: str) -> None:
    if file_format not in FORMATS:
        raise ValueError(f"unknown file format {file_format!r}: one of {', '.join(FORMATS)}")


def export_bytes(*, kind: str, queryset: QuerySet, file_format: str) -> bytes:
    """The rows of ``queryset`` (a queryset of the kind's model, already filtered by the caller)
    as an xlsx or csv file with the fixed Chinese headers. Assignments: the active ones."""
    _check_kind(kind)
    _check_format(file_format)
    resource = RESOURCES[kind]()
    dataset = resource.export(queryset=resource.prepare(queryset))
    if file_format == "csv":
        # With the byte-order mark, Excel opens the Chinese text as UTF-8.
        return dataset.export("csv").encode("utf-8-sig")
    return dataset.export("xlsx")


def template_bytes(*, kind: str) -> bytes:
    """The xlsx template of an importable kind: the headers and one example row."""
    _check_kind(kind, KINDS)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = kind
    columns = COLUMNS[kind]
    sheet.append([c.zh for c in columns])
    sheet.append([c.example for c in columns])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(12, 2 * len(column.zh) + 4)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def file_name(*, kind: str, file_format: str, template: bool = False) -> str:
    day = timezone.localdate().isoformat()
    return f"{kind}-template.xlsx" if template else f"{kind}-{day}.{file_format}"


def format_of(filename: str) -> str:
    """The file format by the name's extension; refuses any other file."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if extension not in FORMATS:
        raise ValidationError(
            {"file": _("Upload an .xlsx or .csv file (this one is named %(name)s).") % {"name": filename}},
            code="file_format",
        )
    return extension


# --- the result of an import ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    #: The row's number in the file (the header is row 1); 0 for the file as a whole.
    row: int
    #: The column's header; empty for the row as a whole.
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class RowResult:
    row: int
    status: str
    #: What the row is about: a unit's or platform's name, a cadre's username, "platform → cadre".
    label: str
    #: The headers of the columns that change.
    changes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"row": self.row, "status": self.status, "label": self.label, "changes": self.changes}


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        """Whether the database was changed (a clean, confirmed import)."""
        return self.ok and not self.dry_run

    @property
    def counts(self) -> dict:
        counted = Counter(r.status for r in self.rows)
        return {status: counted.get(status, 0) for status in (NEW, CHANGED, UNCHANGED)}

    @property
    def changed_anything(self) -> bool:
        return bool(self.counts[NEW] or self.counts[CHANGED])

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "counts": self.counts,
            "rows": [r.as_dict() for r in self.rows],
            "errors": [e.as_dict() for e in self.errors],
        }


# --- reading a file ----------------------------------------------------------------------------------


def _normal(text: str) -> str:
    """A name as compared for duplicates: full-width forms folded, spaces dropped, case ignored."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return str(value).strip()


def read_table(*, content: bytes, file_format: str) -> list[list]:
    """The file's first sheet as rows of cells (text, or a date from a spreadsheet's date cell)."""
    _check_format(file_format)
    if file_format == "xlsx":
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            rows = [[_cell(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
            workbook.close()
        except Exception:  # openpyxl raises many kinds of errors on a file that is not a workbook
            raise ValidationError(
                {"file": _("This file cannot be read as an Excel workbook (.xlsx). Save it as .xlsx and upload it again.")},
                code="unreadable",
            ) from None
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(
            {"file": _("This CSV file is neither UTF-8 nor GB18030 text. Save it as CSV UTF-8 and upload it again.")},
            code="unreadable",
        )
    return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text))]


@dataclass
class _Row:
    number: int
    values: dict
    errors: list = field(default_factory=list)


def _choice_lookup(column: Column) -> dict:
    lookup = {}
    with translation.override("en"):
        for code, label in column.choices.items():
            for name in (code, label, getattr(code, "label", "")):
                if name:
                    lookup[_normal(str(name))] = code
    for alias, code in ALIASES.items():
        if code in column.choices:
            lookup[_normal(alias)] = code
    return lookup


_TRUE = {_normal(v) for v in (YES, "yes", "true", "y", "1", "对")}
_FALSE = {_normal(v) for v in (NO, "no", "false", "n", "0", "")}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


def _parse(column: Column, raw, header: str, row: _Row, choices: dict):
    """The cell's value, or None with an error on the row."""

    def refuse(message):
        row.errors.append(RowError(row.number, header, message))

    if raw == "" and column.required:
        refuse(_("This column is required: fill it in."))
        return None
    if column.type == "date":
        if raw == "":
            return None
        if isinstance(raw, datetime.date):
            return raw
        for pattern in _DATE_FORMATS:
            try:
                return datetime.datetime.strptime(raw, pattern).date()
            except ValueError:
                continue
        refuse(_("“%(value)s” is not a date: write it as YYYY-MM-DD, for example 2026-04-01.") % {"value": raw})
        return None
    raw = raw.isoformat() if isinstance(raw, datetime.date) else raw
    if column.type == "int":
        if raw == "":
            return 1
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            refuse(_("“%(value)s” is not a whole number of 1 or more.") % {"value": raw})
            return None
        return number
    if column.type == "bool":
        if _normal(raw) in _TRUE:
            return True
        if _normal(raw) in _FALSE:
            return False
        refuse(_("Write %(yes)s or %(no)s (not “%(value)s”).") % {"yes": YES, "no": NO, "value": raw})
        return None
    if column.type == "choice":
        if raw == "":
            return ""
        code = choices.get(_normal(raw))
        if code is None:
            refuse(
                _("Unknown value “%(value)s”: write one of %(choices)s.")
                % {"value": raw, "choices": "、".join(column.choices.values())}
            )
        return code
    if column.type == "email" and raw:
        try:
            validate_email(raw)
        except ValidationError:
            refuse(_("“%(value)s” is not an e-mail address.") % {"value": raw})
            return None
    return raw


def _read_rows(kind: str, table: list[list], errors: list) -> tuple[list[_Row], dict]:
    """The data rows, each cell read by its column; the header each column was found under."""
    columns = [c for c in COLUMNS[kind] if not c.informative]
    if not table or not any(cell != "" for cell in table[0]):
        errors.append(RowError(1, "", _("The first row must hold the column headers, as in the template.")))
        return [], {}
    by_name = {}
    for column in columns:
        for name in (column.zh, column.en, column.key):
            by_name[_normal(name)] = column
    positions, headers = {}, {}
    for index, header in enumerate(table[0]):
        column = by_name.get(_normal(header)) if header != "" else None
        if column is None:
            continue  # a column of the reader's own (notes, say): not ours to read
        if column.key in positions:
            errors.append(RowError(1, str(header), _("This column appears twice: keep one.")))
            continue
        positions[column.key] = index
        headers[column.key] = str(header)
    for column in columns:
        if column.required and column.key not in positions:
            errors.append(RowError(1, column.zh, _("The file has no column “%(column)s”: add it, as in the template.")
                                   % {"column": column.zh}))
    if errors:
        return [], headers
    choices = {c.key: _choice_lookup(c) for c in columns if c.type == "choice"}
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if all(cell == "" for cell in cells):
            continue
        row = _Row(number, {})
        for column in columns:
            index = positions.get(column.key)
            raw = cells[index] if index is not None and index < len(cells) else ""
            if index is None and not column.required:
                continue  # a missing optional column leaves that field as it is
            row.values[column.key] = _parse(column, raw, headers[column.key], row, choices.get(column.key, {}))
        rows.append(row)
    if not rows:
        errors.append(RowError(2, "", _("The file has no rows below the headers.")))
    return rows, headers


# --- the plan of each kind ------------------------------------------------------------------------


@dataclass
class _Planned:
    row: _Row
    result: RowResult
    #: Writes the row through the services (None for an unchanged row).
    apply: Callable | None = None
    #: Rows are applied in this order (lower first), then by row number.
    order: int = 0


class _Planner:
    """Reads a kind's rows against the database: each row's status, the whole file's rules, and
    the service call that writes it."""

    kind = ""
    key = "name"

    def __init__(self, rows: list[_Row], headers: dict, errors: list, by):
        self.rows, self.headers, self.errors, self.by = rows, headers, errors, by
        self.resource = RESOURCES[self.kind]()
        self.columns = {c.key: c for c in COLUMNS[self.kind]}

    def header(self, key: str) -> str:
        return self.headers.get(key) or self.columns[key].zh

    def refuse(self, row: _Row, key: str, message: str) -> None:
        self.errors.append(RowError(row.number, self.header(key) if key else "", message))

    def changes(self, obj, values: dict) -> list[str]:
        """The headers of the columns whose file value differs from ``obj``'s, as the export writes both."""
        changed = []
        for key, value in values.items():
            column = self.columns[key]
            if cell_text(column, self.resource.value_of(obj, key)) != cell_text(column, value):
                changed.append(self.header(key))
        return changed

    def check_duplicates(self, existing_names) -> None:
        """No two rows for one key, and no key that only looks like an existing one."""
        seen = {}
        existing = {}
        for name in existing_names:
            existing.setdefault(_normal(name), name)
        for row in self.rows:
            value = row.values.get(self.key)
            if not value:
                continue
            normal = _normal(value)
            if normal in seen:
                self.refuse(row, self.key, _("“%(value)s” is already in row %(row)d of this file: keep one of the two rows.")
                            % {"value": value, "row": seen[normal]})
                continue
            seen[normal] = row.number
            match = existing.get(normal)
            if match is not None and match != value:
                self.refuse(row, self.key, _("“%(value)s” looks like the existing “%(existing)s”: write the existing "
                                             "name exactly to update it, or a clearly different name for a new one.")
                            % {"value": value, "existing": match})

    def plan(self) -> list[_Planned]:
        raise NotImplementedError


def _known_values(values: dict, keys) -> dict:
    return {k: v for k, v in values.items() if k in keys}


class _UnitPlanner(_Planner):
    kind = "units"

    def plan(self):
        units = {u.name: u for u in Unit.objects.select_related("leader")}
        self.check_duplicates(units)
        usernames = {r.values.get("leader_username") for r in self.rows} - {"", None}
        users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
        offices = [r for r in self.rows if r.values.get("is_office")]
        for extra in offices[1:]:
            self.refuse(extra, "is_office", _("Only one unit is the city committee's office; row %(row)d already is.")
                        % {"row": offices[0].number})
        current_office = next((u for u in units.values() if u.is_office), None)
        if offices and current_office is not None and current_office.name != offices[0].values.get("name"):
            stays = not any(r.values.get("name") == current_office.name and r.values.get("is_office") is False
                            for r in self.rows)
            if stays:
                self.refuse(offices[0], "is_office",
                            _("%(unit)s is the city committee's office now: add its row with %(no)s to move the role.")
                            % {"unit": current_office.name, "no": NO})
        planned = []
        for row in self.rows:
            values = row.values
            for key in ("leader_last_name", "leader_first_name", "leader_email"):
                if values.get(key) == "":
                    del values[key]  # an empty cell leaves the leader's account as it is
            unit = units.get(values.get("name"))
            leader_username = values.get("leader_username") or ""
            if leader_username and leader_username not in users and not values.get("leader_last_name"):
                self.refuse(row, "leader_last_name",
                            _("%(username)s is a new account: give the leader's family name.") % {"username": leader_username})
            label = values.get("name") or ""
            if unit is None:
                result = RowResult(row.number, NEW, label)
            else:
                changes = self.changes(unit, _known_values(values, self.columns))
                result = RowResult(row.number, CHANGED if changes else UNCHANGED, label, changes)
            apply = None if result.status == UNCHANGED else self._apply(unit, values)
            # The office moves: the unit giving it up is saved first.
            planned.append(_Planned(row, result, apply, order=1 if values.get("is_office") else 0))
        return planned

    @staticmethod
    def _leader(unit, values):
        """The leader the row names: kept as it is without a leader column; an account created or
        brought up to date with the columns the file has."""
        if "leader_username" not in values:
            return unit.leader if unit else None
        username = values["leader_username"]
        if not username:
            return None
        current = get_user_model().objects.filter(username=username).first()
        account = {
            key: values[f"leader_{key}"] if f"leader_{key}" in values else getattr(current, key, "")
            for key in ("last_name", "first_name", "email")
        }
        return services.user_account_save(username=username, **account)

    def _apply(self, unit, values):
        def apply():
            leader = self._leader(unit, values)
            if unit is None:
                services.unit_create(name=values["name"], kind=values["kind"],
                                     is_office=bool(values.get("is_office")), leader=leader)
            else:
                services.unit_update(unit=unit, name=values["name"], kind=values["kind"],
                                     is_office=bool(values.get("is_office", unit.is_office)), leader=leader)
        return apply


class _CadrePlanner(_Planner):
    kind = "cadres"
    key = "username"

    def plan(self):
        usernames = [r.values.get("username") for r in self.rows if r.values.get("username")]
        User = get_user_model()
        similar = Q()
        for name in usernames:
            similar |= Q(username__iexact=name)
        existing_names = list(User.objects.filter(similar).values_list("username", flat=True)) if usernames else []
        self.check_duplicates(existing_names)
        cadres = {c.user.username: c for c in Cadre.objects.select_related("user", "unit").filter(user__username__in=usernames)}
        self.resource.prepare(Cadre.objects.none())  # reads who is bureau staff
        units = {u.name: u for u in Unit.objects.all()}
        leaders = defaultdict(list)
        planned = []
        for row in self.rows:
            values = row.values
            unit_name = values.get("unit")
            if unit_name and unit_name not in units:
                self.refuse(row, "unit", _("Unknown unit “%(unit)s”: import the units first, or write the unit's name "
                                           "exactly as in the units list.") % {"unit": unit_name})
            if values.get("is_unit_leader") and unit_name:
                leaders[unit_name].append(row.number)
            cadre = cadres.get(values.get("username"))
            label = values.get("username") or ""
            if cadre is None:
                result = RowResult(row.number, NEW, label)
            else:
                changes = self.changes(cadre, _known_values(values, self.columns))
                result = RowResult(row.number, CHANGED if changes else UNCHANGED, label, changes)
            planned.append(_Planned(row, result, None if result.status == UNCHANGED else self._apply(cadre, values, units)))
        for unit_name, numbers in leaders.items():
            for number in numbers[1:]:
                row = next(r for r in self.rows if r.number == number)
                self.refuse(row, "is_unit_leader", _("A unit has one leader; row %(row)d already leads %(unit)s.")
                            % {"row": numbers[0], "unit": unit_name})
        return planned

    def _apply(self, cadre, values, units):
        def apply():
            current = {} if cadre is None else {k: self.resource.value_of(cadre, k) for k in self.columns}
            merged = {**current, **values}
            details = {
                "last_name": merged.get("last_name", ""),
                "first_name": merged.get("first_name", ""),
                "email": merged.get("email", ""),
                "unit": units[merged["unit"]],
                "title": merged.get("title", ""),
                "phone": merged.get("phone", ""),
                "batch": merged.get("batch") or 1,
                "is_unit_leader": bool(merged.get("is_unit_leader")),
                "is_bureau_staff": bool(merged.get("is_bureau_staff")),
            }
            if cadre is None:
                services.cadre_create(username=values["username"], **details)
            else:
                services.cadre_update(cadre=cadre, **details)
        return apply


class _PlatformPlanner(_Planner):
    kind = "platforms"

    def plan(self):
        platforms = {p.name: p for p in Platform.objects.all()}
        self.check_duplicates(platforms)
        planned = []
        for row in self.rows:
            values = row.values
            platform = platforms.get(values.get("name"))
            label = values.get("name") or ""
            if platform is None:
                result = RowResult(row.number, NEW, label)
            else:
                changes = self.changes(platform, values)
                result = RowResult(row.number, CHANGED if changes else UNCHANGED, label, changes)
            planned.append(_Planned(row, result, None if result.status == UNCHANGED else self._apply(platform, values)))
        return planned

    @staticmethod
    def _apply(platform, values):
        fields = {k: v for k, v in values.items() if k in platform_services.EDITABLE_FIELDS}

        def apply():
            if platform is None:
                platform_services.platform_create(**fields)
            else:
                platform_services.platform_update(platform=platform, **fields)
        return apply


class _AssignmentPlanner(_Planner):
    kind = "assignments"
    key = "platform"

    def plan(self):
        self.check_duplicates([])
        platform_names = {r.values.get("platform") for r in self.rows} - {"", None}
        usernames = {r.values.get("cadre") for r in self.rows} - {"", None}
        platforms = {p.name: p for p in Platform.objects.filter(name__in=platform_names)}
        cadres = {
            c.user.username: c
            for c in Cadre.objects.select_related("user").filter(user__username__in=usernames)
            .annotate(serving=Count("assignments", filter=Q(assignments__end_date__isnull=True)))
        }
        holders = {
            a.platform_id: a
            for a in Assignment.objects.active().filter(platform__in=platforms.values()).select_related("cadre__user")
        }
        incoming = defaultdict(list)
        planned = []
        for row in self.rows:
            values = row.values
            platform, cadre = platforms.get(values.get("platform")), cadres.get(values.get("cadre"))
            if values.get("platform") and platform is None:
                self.refuse(row, "platform", _("Unknown platform “%(platform)s”: import the platforms first, or write "
                                               "its name exactly as in the platforms list.") % {"platform": values["platform"]})
            elif platform is not None and not platform.is_active:
                self.refuse(row, "platform", _("%(platform)s is no longer active.") % {"platform": platform})
            if values.get("cadre") and cadre is None:
                self.refuse(row, "cadre", _("Unknown cadre account “%(username)s”: import the cadres first.")
                            % {"username": values["cadre"]})
            elif cadre is not None and not cadre.is_active:
                self.refuse(row, "cadre", _("%(cadre)s is no longer active.") % {"cadre": cadre})
            label = f"{values.get('platform') or ''} → {values.get('cadre') or ''}"
            holder = holders.get(platform.pk) if platform else None
            start_date = values.get("start_date")
            if holder is not None and cadre is not None and holder.cadre_id == cadre.pk:
                if start_date and start_date != holder.start_date:
                    self.refuse(row, "start_date", _(
                        "%(cadre)s has served this platform since %(date)s; an import does not move that day: "
                        "write %(date)s or leave it empty.") % {"cadre": cadre, "date": holder.start_date.isoformat()})
                planned.append(_Planned(row, RowResult(row.number, UNCHANGED, label)))
                continue
            if holder is not None:
                self.refuse(row, "platform", _(
                    "%(platform)s is served by %(cadre)s (%(username)s): a platform has one responsible cadre. "
                    "Hand it over in the administration first, or drop this row.")
                    % {"platform": platform, "cadre": holder.cadre, "username": holder.cadre.user.username})
            if cadre is not None:
                incoming[cadre.user.username].append(row)
            planned.append(_Planned(row, RowResult(row.number, NEW, label), self._apply(platform, cadre, start_date)))
        self._check_counts(cadres, incoming)
        return planned

    def _check_counts(self, cadres, incoming) -> None:
        """2 to 4 platforms for each cadre in the file, once the file is imported."""
        low, high = settings.PORTAL["MIN_PLATFORMS_PER_CADRE"], settings.PORTAL["MAX_PLATFORMS_PER_CADRE"]
        for username, cadre in cadres.items():
            rows = incoming.get(username, [])
            total = cadre.serving + len(rows)
            if rows and not low <= total <= high:
                message = _(
                    "After this import %(cadre)s (%(username)s) would serve %(count)d platforms (%(now)d now, "
                    "%(new)d in rows %(rows)s); a cadre serves %(min)d to %(max)d."
                ) % {"cadre": cadre, "username": username, "count": total, "now": cadre.serving, "new": len(rows),
                     "rows": ", ".join(str(r.number) for r in rows), "min": low, "max": high}
                self.refuse(rows[-1] if total > high else rows[0], "cadre", message)

    def _apply(self, platform, cadre, start_date):
        def apply():
            services.assignment_create(cadre=cadre, platform=platform, start_date=start_date, by=self.by)
        return apply


PLANNERS = {"units": _UnitPlanner, "cadres": _CadrePlanner, "platforms": _PlatformPlanner,
            "assignments": _AssignmentPlanner}


# --- the import ----------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def _service_errors(error: ValidationError, planner: _Planner, row: _Row) -> list[RowError]:
    if not hasattr(error, "error_dict"):
        return [RowError(row.number, "", " ".join(error.messages))]
    found = []
    for key, errors in error.error_dict.items():
        column = planner.header(key) if key in planner.columns else ""
        found.append(RowError(row.number, column, " ".join(ValidationError(errors).messages)))
    return found


def import_file(*, kind: str, content: bytes, file_format: str, dry_run: bool = True, by=None) -> ImportResult:
    """Import a kind's file, all or nothing; with ``dry_run`` nothing is kept either way.

    Raises ``ValidationError`` (on ``file``) for a file that cannot be read at all; every problem
    with its rows is in the result's ``errors``.
    """
    _check_kind(kind, KINDS)
    result = ImportResult(kind=kind, dry_run=dry_run)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than %(size)d MB: split it.") % {"size": MAX_UPLOAD_BYTES // 2**20}})
    table = read_table(content=content, file_format=file_format)
    rows, headers = _read_rows(kind, table, result.errors)
    if result.errors:
        return result  # the headers are wrong: the rows cannot be read
    for row in rows:
        result.errors.extend(row.errors)
    # The rules over the whole file are checked even with bad cells, so that one pass names every problem.
    planner = PLANNERS[kind](rows, headers, result.errors, by)
    planned = planner.plan()
    result.rows = [p.result for p in planned]
    if result.errors:
        result.errors.sort(key=lambda e: (e.row, e.column))
        return result
    try:
        with transaction.atomic():
            for step in sorted(planned, key=lambda p: (p.order, p.row.number)):
                if step.apply is None:
                    continue
                try:
                    with transaction.atomic():
                        step.apply()
                except ValidationError as error:
                    result.errors.extend(_service_errors(error, planner, step.row))
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    result.errors.sort(key=lambda e: (e.row, e.column))
    return result


# --- the uploaded file between the preview and the confirmation ---------------------------------------
# The file waits server-side in a temporary file named by a random token; the session says which
# tokens its user uploaded, for which kind. A confirmation names the token, never the content, and
# the confirmed import reads and checks the whole file again.

_SESSION_KEY = "bulk_imports"
#: Uploads a session keeps waiting at most (older ones are dropped).
_KEPT_UPLOADS = 4


def _stash_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "portal-bulk-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def stash_upload(session, *, kind: str, file_format: str, name: str, content: bytes) -> str:
    """Keep an uploaded file for its confirmation; returns its token."""
    token = secrets.token_urlsafe(24)
    (_stash_folder() / token).write_bytes(content)
    waiting = dict(session.get(_SESSION_KEY, {}))
    waiting[token] = {"kind": kind, "format": file_format, "name": name}
    for old in list(waiting)[:-_KEPT_UPLOADS]:
        drop_upload(session, token=old, waiting=waiting)
    session[_SESSION_KEY] = waiting
    return token


def stashed_upload(session, *, token: str, kind: str) -> tuple[bytes, str, str] | None:
    """The content, format and name of the file ``token`` names, if this session uploaded it for ``kind``."""
    entry = session.get(_SESSION_KEY, {}).get(token)
    if entry is None or entry["kind"] != kind:
        return None
    try:
        content = (_stash_folder() / token).read_bytes()
    except OSError:
        return None
    return content, entry["format"], entry["name"]


def drop_upload(session, *, token: str, waiting: dict | None = None) -> None:
    own = waiting is None
    waiting = dict(session.get(_SESSION_KEY, {})) if own else waiting
    if waiting.pop(token, None) is not None:
        (_stash_folder() / token).unlink(missing_ok=True)
    if own:
        session[_SESSION_KEY] = waiting
