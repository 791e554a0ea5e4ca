"""Forms for the issues admin's own pages: each collects one service's arguments, nothing more.

The rules live in ``issues.services``; a form here only turns input into typed values. Field
names match the services' argument names so a service's field errors land on the right field.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, LimitedFormField
from liaison.models import Unit

from . import holiday_notice
from .calendar import DayEntry, decode_upload, parse_day_entries
from .models import CalendarDay, IssueClass
from .workdays import FIRST_DATE, LAST_DATE

#: Pasted or uploaded calendars are a few dozen lines; anything larger is a wrong file.
MAX_UPLOAD_BYTES = 256 * 1024

_textarea = forms.Textarea(attrs={"rows": 4, "cols": 80})


def add_service_errors(form: forms.Form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Put a service's ``ValidationError`` on the form: field messages on their fields (``rename``
    maps a service argument to the form field that collects it), the others on top."""
    rename = rename or {}
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            name = rename.get(name, name)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


# --- issue actions ---------------------------------------------------------------------------------


class ReclassifyForm(forms.Form):
    new_class = forms.ChoiceField(label=_("new class"), choices=IssueClass.choices)
    reason = LimitedFormField(label=_("reason"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea)
    answer = LimitedFormField(
        label=_("answer given on the spot"),
        max_length=LONG_TEXT_MAX_LENGTH,
        widget=_textarea,
        required=False,
        help_text=_("Only for class A."),
    )


class HandOverForm(forms.Form):
    lead_unit = forms.ModelChoiceField(
        label=_("lead unit"),
        queryset=Unit.objects.all(),
        required=False,
        help_text=_("Class C only: class B goes to the cadre's own unit, class D to the office."),
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("cooperating units"), queryset=Unit.objects.all(), required=False, help_text=_("Class C only.")
    )
    note = LimitedFormField(label=_("note"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea, required=False)


class CommentForm(forms.Form):
    text = LimitedFormField(label=_("comment"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea)


class DecideExtensionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    new_due_date = forms.DateField(
        label=_("grant a new due date"), required=False, help_text=_("Leave both empty to grant what was asked.")
    )
    extra_working_days = forms.IntegerField(label=_("or grant extra working days"), required=False, min_value=1)
    note = LimitedFormField(
        label=_("reason for the decision"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea, required=False
    )


class DetermineSolutionForm(forms.Form):
    solution = LimitedFormField(label=_("solution determined"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea)


class ResolveForm(forms.Form):
    resolution = LimitedFormField(label=_("how it was resolved"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea)


class ReopenForm(forms.Form):
    reason = LimitedFormField(label=_("reason for reopening"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea)


# --- the calendar ----------------------------------------------------------------------------------


class CalendarDayForm(forms.ModelForm):
    """One holiday or makeup workday, entered in the admin (saved through ``calendar_set_days``)."""

    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "note"]

    def clean_date(self):
        # The service refuses these too, but only once the admin saves (a 500 there): say it here.
        date = self.cleaned_data["date"]
        if not FIRST_DATE <= date <= LAST_DATE:
            raise ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()},
                code="out_of_range",
            )
        return date


class CalendarImportForm(forms.Form):
    """A year's holidays and makeup workdays, pasted or uploaded; all lines are read or none."""

    text = forms.CharField(
        label=_("days, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 60, "placeholder": "2027-01-01 holiday 元旦\n2027-02-07 workday 春节调休"}),
        help_text=_(
            "Each line: a date (YYYY-MM-DD) or a range (2027-10-01..2027-10-07), then holiday or workday, then "
            "an optional note. CSV (date,kind,note) works too. Lines starting with # are skipped."
        ),
    )
    file = forms.FileField(label=_("or upload a file"), required=False, help_text=_("Text or CSV, same format."))
    mark_loaded = forms.BooleanField(
        label=_("the year's schedule is complete: mark its year(s) loaded"),
        required=False,
        help_text=_(
            "Until a year is marked loaded, deadlines reaching into it stay provisional, however many of its days "
            "are entered."
        ),
    )
    source_note = LimitedFormField(
        label=_("source"), required=False, max_length=200, help_text=_("For example the State Council notice's number.")
    )

    def clean(self):
        cleaned = super().clean()
        text, upload = cleaned.get("text", ""), cleaned.get("file")
        if upload is not None and text.strip():
            raise ValidationError(_("Paste the days or upload a file, not both."))
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ValidationError({"file": _("The file is too large for a calendar list.")})
            try:
                text = decode_upload(upload.read())
            except ValidationError as error:
                raise ValidationError({"file": error.messages})
        if not text.strip():
            raise ValidationError(_("Paste the days or upload a file."))
        cleaned["text_read"] = text
        try:
            cleaned["entries"] = parse_day_entries(text)
        except ValidationError as error:
            raise ValidationError({"file" if upload is not None else "text": error.messages})
        return cleaned

    @property
    def entries(self) -> list[DayEntry]:
        return self.cleaned_data["entries"]

    def confirmation(self) -> "CalendarImportForm":
        """The form to confirm with: what was previewed, an uploaded file's text pasted in (no ids:
        the page shows the editable form too)."""
        return CalendarImportForm(initial={**self.cleaned_data, "text": self.cleaned_data["text_read"]}, auto_id=False)


class CalendarNoticeForm(forms.Form):
    """The State Council's holiday notice, pasted as published (title, items, closing and all)."""

    text = forms.CharField(
        label=_("the notice"),
        max_length=holiday_notice.NOTICE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80, "placeholder": "国务院办公厅关于2027年部分节假日安排的通知\n…\n一、元旦：…"}),
        help_text=_(
            "Paste the whole notice: the title, the numbered items (一、元旦：1月1日…放假…), the closing. Its "
            "holidays and makeup workdays are entered and its year is marked loaded."
        ),
    )
    year = forms.IntegerField(
        label=_("year"), required=False, min_value=1900, max_value=9998,
        help_text=_("Only if the pasted text has no title naming the year."),
    )
    source_note = LimitedFormField(
        label=_("source"), required=False, max_length=200, help_text=_("Leave empty to use the notice's title.")
    )

    def confirmation(self) -> "CalendarNoticeForm":
        # No ids: the page shows the editable form too.
        return CalendarNoticeForm(initial=self.cleaned_data, auto_id=False)


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=1900, max_value=9998)
    loaded = forms.BooleanField(
        label=_("loaded: all its holidays and makeup workdays are entered"), required=False, initial=True
    )
    source_note = LimitedFormField(label=_("source"), required=False, max_length=200)
