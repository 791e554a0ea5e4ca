"""Forms for the issue pages: each collects one service's arguments (or one list's filters).

The rules live in ``issues.services``; a form here only turns input into typed values and shows
the service's field errors in place. Field names match the services' argument names, so a
service's ``ValidationError`` lands on the field that collected the value.
"""

import datetime

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.forms import PortalForm, add_service_errors  # noqa: F401 - add_service_errors: the views' door
from config.forms import date_input as _date_input
from config.forms import textarea as _textarea
from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, LimitedFormField
from liaison.models import Unit

from .access import live_supervision
from .models import WORKING_DAYS_BY_CLASS, ExtensionRequest, Issue, IssueClass, Supervision
from .supervision import MAX_REPLY_WORKING_DAYS

def class_meanings() -> dict[str, str]:
    """What each class means and its limit, for the forms' choice labels and help."""
    return {
        IssueClass.A: _("Answered or solved on the spot: recorded as resolved, no deadline."),
        IssueClass.B: _("Taken back; your own unit solves it within %(days)d working days.")
        % {"days": WORKING_DAYS_BY_CLASS[IssueClass.B]},
        IssueClass.C: _("Needs coordination with other units, departments or regions: %(days)d working days.")
        % {"days": WORKING_DAYS_BY_CLASS[IssueClass.C]},
        IssueClass.D: _(
            "Needs city-level dispatch or provincial departments; handed to the office: %(days)d working days."
        )
        % {"days": WORKING_DAYS_BY_CLASS[IssueClass.D]},
    }


# --- the list's filters --------------------------------------------------------------------------


class IssueFilterForm(PortalForm):
    """The issue list's filters. Missing values take the defaults (open, mine for a cadre)."""

    # In context: "open" here is any issue whose clock runs (open or handed over), not the status.
    STATUS_CHOICES = [
        ("open", pgettext_lazy("issue list filter", "Open")),
        ("closed", pgettext_lazy("issue list filter", "Closed")),
        ("all", pgettext_lazy("issue list filter", "All")),
    ]
    SCOPE_CHOICES = [("mine", _("Mine")), ("all", _("All I can see"))]

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    issue_class = forms.ChoiceField(
        label=_("Class"), choices=[("", _("All classes")), *IssueClass.choices], required=False
    )
    scope = forms.ChoiceField(label=_("Whose"), choices=SCOPE_CHOICES, required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    extension_pending = forms.BooleanField(label=_("Extension requested"), required=False)

    def __init__(self, data, *, roles):
        self.roles = roles
        self.defaults = {"status": "open", "scope": "mine" if roles.is_cadre else "all"}
        super().__init__({**self.defaults, **data.dict()}, auto_id="filter-%s")
        # A cadre sees their own issues; "whose" matters only to one who can also see others'.
        if not (roles.is_cadre and (roles.is_unit_leader or roles.sees_everything)):
            del self.fields["scope"]
        if roles.sees_everything:
            self.fields["unit"].queryset = Unit.objects.all()
        elif roles.is_unit_leader:
            self.fields["unit"].queryset = Unit.objects.filter(pk__in=roles.led_unit_ids)
        else:
            del self.fields["unit"]
        if not roles.is_bureau_staff:
            del self.fields["extension_pending"]

    def clean(self):
        cleaned = super().clean()
        for name, default in self.defaults.items():
            if not cleaned.get(name):
                cleaned[name] = default
        return cleaned

    def filter(self, queryset: QuerySet, *, today: datetime.date) -> QuerySet:
        """Narrow an ``issue_list`` queryset (annotated with the responsible cadre and unit)."""
        data = self.cleaned_data if self.is_valid() else {**self.defaults}
        status = data.get("status", "open")
        if status == "open":
            queryset = queryset.open()
        elif status == "closed":
            queryset = queryset.clock_stopped()
        if data.get("issue_class"):
            queryset = queryset.filter(issue_class=data["issue_class"])
        if self.shows_mine:
            queryset = queryset.filter(Q(responsible_cadre_id=self.roles.cadre.pk) | Q(recorded_by=self.roles.cadre))
        if data.get("unit"):
            queryset = queryset.filter(Q(responsible_unit_id=data["unit"].pk) | Q(handed_to_unit=data["unit"]))
        if data.get("overdue"):
            queryset = queryset.overdue(today)
        if data.get("extension_pending"):
            pending = ExtensionRequest.objects.filter(issue=OuterRef("pk"), status=ExtensionRequest.Status.PENDING)
            queryset = queryset.filter(Exists(pending))
        return queryset

    @property
    def shows_mine(self) -> bool:
        """Whether the list is "my issues": a cadre's own (the default for a cadre)."""
        scope = self.cleaned_data.get("scope") if self.is_valid() else None
        return self.roles.is_cadre and (scope or self.defaults["scope"]) == "mine"

    def is_filtered(self) -> bool:
        """Whether anything other than the defaults is applied (to offer "clear filters")."""
        if not self.is_valid():
            return False
        return any(
            value not in (None, "", False) and value != self.defaults.get(name)
            for name, value in self.cleaned_data.items()
        )


# --- recording an issue --------------------------------------------------------------------------


class IssueCreateForm(PortalForm):
    """The arguments of ``services.issue_create``; ``platform`` limited to the cadre's own."""

    platform = forms.ModelChoiceField(label=_("Platform"), queryset=None, empty_label=_("Choose a platform"))
    title = LimitedFormField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    description = LimitedFormField(
        label=_("Description"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea(4), required=False
    )
    service_area = forms.ChoiceField(
        label=_("Service area"), choices=[("", _("Choose the service area")), *Issue.ServiceArea.choices]
    )
    issue_class = forms.ChoiceField(label=_("Class"), choices=IssueClass.choices, widget=forms.RadioSelect)
    recorded_on = forms.DateField(
        label=_("Recorded on"), widget=_date_input(), help_text=_("The day the platform raised it; not in the future.")
    )
    answer = LimitedFormField(
        label=_("Answer given on the spot"),
        max_length=LONG_TEXT_MAX_LENGTH,
        widget=_textarea(3),
        required=False,
        help_text=_("Required for class A: what was answered or solved on the spot."),
    )
    contact = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, platforms: QuerySet, contacts: QuerySet, preview_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = platforms
        self.fields["contact"].queryset = contacts
        self.meanings = class_meanings()
        # The projected due date follows the class and the date (htmx; without JavaScript the
        # "show the due date" button re-renders the form with it).
        preview = {
            "hx-get": preview_url,
            "hx-target": "#projected-due-date",
            "hx-swap": "innerHTML",
            "hx-include": "#issue-form [name='issue_class']:checked, #issue-form [name='recorded_on']",
        }
        self.fields["issue_class"].widget.attrs.update(preview)
        self.fields["recorded_on"].widget.attrs.update(preview)

    def clean(self):
        cleaned = super().clean()
        contact, platform = cleaned.get("contact"), cleaned.get("platform")
        if contact is not None and platform is not None and contact.platform_id != platform.pk:
            self.add_error("contact", _("That contact was with another platform."))
        return cleaned


class DuePreviewForm(forms.Form):
    """The class and recorded date whose projected due date the form shows."""

    issue_class = forms.ChoiceField(choices=IssueClass.choices)
    recorded_on = forms.DateField()


# --- actions on an issue ---------------------------------------------------------------------------


class ActionForm(PortalForm):
    """A form for one action on ``issue``; prefixed with the action's name, so that every form can
    sit on the issue page at once with its own ids."""

    def __init__(self, *args, issue: Issue, **kwargs):
        self.issue = issue
        super().__init__(*args, **kwargs)


class ReclassifyForm(ActionForm):
    new_class = forms.ChoiceField(label=_("New class"), choices=IssueClass.choices, widget=forms.RadioSelect)
    reason = LimitedFormField(label=_("Reason"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea())
    answer = LimitedFormField(
        label=_("Answer given on the spot"),
        max_length=LONG_TEXT_MAX_LENGTH,
        widget=_textarea(),
        required=False,
        help_text=_("Only for class A: the issue is then resolved now."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.meanings = class_meanings()
        self.fields["new_class"].choices = [(v, label) for v, label in IssueClass.choices if v != self.issue.issue_class]


class HandOverForm(ActionForm):
    """Class C names a lead unit and cooperating units; B and D go to their unit by themselves."""

    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"), queryset=Unit.objects.none(), required=False, empty_label=_("Choose the lead unit")
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("Cooperating units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = LimitedFormField(label=_("Note"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea(2), required=False)

    def __init__(self, *args, units: QuerySet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.issue.issue_class == IssueClass.C:
            self.fields["lead_unit"].queryset = units
            self.fields["cooperating_units"].queryset = units
        else:
            del self.fields["lead_unit"]
            del self.fields["cooperating_units"]


class CommentForm(ActionForm):
    text = LimitedFormField(label=_("Comment"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea())


class RequestExtensionForm(ActionForm):
    new_due_date = forms.DateField(label=_("New due date"), widget=_date_input(), required=False)
    extra_working_days = forms.IntegerField(
        label=_("Or extra working days"), min_value=1, required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    reason = LimitedFormField(label=_("Reason"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea())


class DecideExtensionForm(ActionForm):
    extension = forms.ModelChoiceField(
        queryset=ExtensionRequest.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This request is no longer waiting for a decision; reload the page.")},
    )
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], widget=forms.RadioSelect
    )
    new_due_date = forms.DateField(
        label=_("Grant a different due date"),
        widget=_date_input(),
        required=False,
        help_text=_("Leave both empty to grant what was asked."),
    )
    extra_working_days = forms.IntegerField(
        label=_("Or grant extra working days"), min_value=1, required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    note = LimitedFormField(
        label=_("Note"),
        max_length=SHORT_TEXT_MAX_LENGTH,
        widget=_textarea(2),
        required=False,
        help_text=_("Required when refusing."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extension"].queryset = self.issue.extensions.filter(status=ExtensionRequest.Status.PENDING)

    def add_error(self, field, error):
        # The request's own field is hidden: its message goes on top of the form.
        super().add_error(None if field == "extension" else field, error)


class DetermineSolutionForm(ActionForm):
    solution = LimitedFormField(label=_("Solution determined"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea())


class ResolveForm(ActionForm):
    resolution = LimitedFormField(label=_("How it was resolved"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea())


class ReopenForm(ActionForm):
    reason = LimitedFormField(label=_("Reason for reopening"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea())


class RateForm(ActionForm):
    rating = forms.TypedChoiceField(
        label=_("The platform's rating"),
        coerce=int,
        choices=[
            (5, _("5: very good")),
            (4, _("4: good")),
            (3, _("3: fair")),
            (2, _("2: poor (reopens the issue)")),
            (1, _("1: very poor (reopens the issue)")),
        ],
        widget=forms.RadioSelect,
    )
    comment = LimitedFormField(
        label=_("Comment"),
        max_length=SHORT_TEXT_MAX_LENGTH,
        widget=_textarea(2),
        required=False,
        help_text=_("Required for a rating of 1 or 2."),
    )


# --- supervision (督办) ------------------------------------------------------------------------------


class SupervisionFilterForm(PortalForm):
    """The supervision list's filters: the status (or overdue, or escalated issues with none yet) and
    the responsible unit (offered to those who see more than one unit's)."""

    STATUS_CHOICES = [
        ("", pgettext_lazy("supervision list filter", "All")),
        ("open", _("Awaiting reply")),
        ("overdue", _("Overdue")),
        ("replied", _("Replied")),
        ("closed", pgettext_lazy("supervision list filter", "Closed")),
        ("unsupervised", _("Escalated to the office, no supervision yet")),
    ]

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units"))

    def __init__(self, data, *, roles):
        super().__init__(data, auto_id="filter-%s")
        if not roles.sees_everything:
            # The escalated issues without a supervision are the office's to take up.
            self.fields["status"].choices = self.STATUS_CHOICES[:-1]
        if roles.sees_everything:
            self.fields["unit"].queryset = Unit.objects.all()
        elif len(roles.led_unit_ids) > 1:
            self.fields["unit"].queryset = Unit.objects.filter(pk__in=roles.led_unit_ids)
        else:
            del self.fields["unit"]

    @property
    def values(self) -> dict:
        """The filters to apply (none for an invalid form: its errors are shown instead)."""
        if not self.is_valid():
            return {"status": "", "unit": None}
        return {"status": self.cleaned_data["status"], "unit": self.cleaned_data.get("unit")}

    def is_filtered(self) -> bool:
        return any(self.values.values())


def _reply_days_field(label):
    return forms.IntegerField(
        label=label, min_value=1, max_value=MAX_REPLY_WORKING_DAYS, initial=5,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Counted like a deadline: the day it is sent is not counted."),
    )


class _LiveSupervisionForm(ActionForm):
    """An action on the issue's live supervision, named by a hidden field: a page left open while
    the supervision was closed (or another opened) answers with a message, not the wrong one."""

    statuses = Supervision.LIVE_STATUSES
    supervision = forms.ModelChoiceField(
        queryset=Supervision.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This supervision has changed since the page was loaded; reload it."),
                        "required": _("This issue has no supervision waiting; reload the page.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervision"].queryset = Supervision.objects.filter(issue=self.issue, status__in=self.statuses)
        live = live_supervision(self.issue)
        if live is not None:
            self.fields["supervision"].initial = live.pk

    def add_error(self, field, error):
        # The supervision's own field is hidden: its message goes on top of the form.
        super().add_error(None if field == "supervision" else field, error)


class SupervisionOpenForm(ActionForm):
    instruction = LimitedFormField(label=_("Instruction"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea(3),
                                   help_text=_("What the unit must do, and report in its reply."))
    reply_working_days = _reply_days_field(_("Working days to reply"))


class SupervisionReplyForm(_LiveSupervisionForm):
    statuses = (Supervision.Status.OPEN,)
    reply = LimitedFormField(label=_("Reply"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea(4),
                             help_text=_("What was done, and what remains."))


class SupervisionCloseForm(_LiveSupervisionForm):
    note = LimitedFormField(label=_("Note"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea(2), required=False)


class SupervisionRenewForm(_LiveSupervisionForm):
    instruction = LimitedFormField(label=_("New instruction"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea(3))
    reply_working_days = _reply_days_field(_("Working days to reply, from today"))
