"""The period picker every evaluation page and endpoint reads: a preset (this month, this quarter,
last quarter, this year...) or any range of days."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.forms import PortalForm
from liaison.models import Unit

from . import periods
from .scoring import LABELS as WEIGHT_LABELS
from .scoring import MAX_WEIGHT

#: A scoreboard over more than this many days is refused: ten years answers every question a
#: bureau asks and keeps a mistyped year from scanning the whole history for nothing.
MAX_PERIOD_DAYS = 3660


def preset_period(name: str, today: datetime.date) -> periods.Period | None:
    if name == "this_month":
        return periods.month(today)
    if name == "last_month":
        return periods.month(periods.month(today).start - periods.ONE_DAY)
    if name == "this_quarter":
        return periods.quarter(today)
    if name == "last_quarter":
        return periods.quarter(periods.quarter(today).start - periods.ONE_DAY)
    if name == "this_year":
        return periods.year(today)
    if name == "last_year":
        return periods.year(periods.year(today).start - periods.ONE_DAY)
    return None


PRESETS = [
    ("this_month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("this_quarter", gettext_lazy("This quarter")),
    ("last_quarter", gettext_lazy("Last quarter")),
    ("this_year", gettext_lazy("This year")),
    ("last_year", gettext_lazy("Last year")),
]

#: With no period asked for, pages show the quarter so far: the quarter is the scheme's rhythm.
DEFAULT_PRESET = "this_quarter"


class PeriodForm(PortalForm):
    """``?period=this_quarter`` or ``?start=YYYY-MM-DD&end=YYYY-MM-DD`` (a range wins over a preset)."""

    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=[("", "—"), *PRESETS], required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, today: datetime.date | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        if bool(start) != bool(end):
            missing = "end" if start else "start"
            self.add_error(missing, _("Give both the first and the last day of the period, or choose a period."))
            return cleaned
        if start and end:
            if end < start:
                self.add_error("end", _("The last day comes before the first day."))
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("end", _("A period can be at most ten years long."))
        return cleaned

    @property
    def chosen(self) -> periods.Period:
        """The period asked for, or the default when the form is empty or invalid (the page then
        shows the errors beside the default period's figures)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("start") and data.get("end"):
            return periods.period_of(data["start"], data["end"])
        return preset_period(data.get("period") or DEFAULT_PRESET, self.today)


class WeightsForm(PortalForm):
    """The score's weights, one whole number per figure, and why they change."""

    note = forms.CharField(label=gettext_lazy("Reason for the change"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        weight_fields = {
            key: forms.IntegerField(label=label, min_value=0, max_value=MAX_WEIGHT)
            for key, label in WEIGHT_LABELS.items()
        }
        note = self.fields.pop("note")
        self.fields.update(weight_fields)
        self.fields["note"] = note
        # PortalForm styled the fields it saw; style the weights too.
        for key in weight_fields:
            self.fields[key].widget.attrs["class"] = "form-control"

    def weights(self) -> dict:
        return {key: self.cleaned_data[key] for key in WEIGHT_LABELS}


# --- the unit leader's dashboard ---------------------------------------------------------------------


class UnitDashboardForm(PeriodForm):
    """The period picker, and for a leader of several units which of them to show (all by default)."""

    def __init__(self, data=None, *, units=(), **kwargs):
        super().__init__(data, **kwargs)
        self.units = list(units)
        if len(self.units) > 1:
            unit = forms.TypedChoiceField(
                label=gettext_lazy("Unit"), required=False, coerce=int, empty_value=None,
                choices=[("", gettext_lazy("All my units")), *((u.pk, u.name) for u in self.units)],
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields = {"unit": unit, **self.fields}

    @property
    def chosen_unit_ids(self) -> frozenset[int]:
        """The units to show: the one chosen, or all of the leader's."""
        chosen = None
        if self.is_bound and "unit" in self.fields:
            self.is_valid()
            chosen = self.cleaned_data.get("unit")
        return frozenset([chosen]) if chosen else frozenset(u.pk for u in self.units)


# --- the cadres' scoreboard's unit filter ------------------------------------------------------------


class CadreUnitFilterForm(PortalForm):
    """Which unit's cadres the cadres' scoreboard shows (all by default), among ``units`` (those whose
    cadres the user sees): a search beyond a few hundred units (``config.search_select``)."""

    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=Unit.objects.none(), required=False,
                                  empty_label=gettext_lazy("All"))

    def __init__(self, data=None, *, units, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].widget.attrs.update({"class": "form-select form-select-sm w-auto", "id": "unit-choice"})
