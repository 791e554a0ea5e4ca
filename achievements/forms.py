"""Forms for the achievement and service-record pages, each collecting one service's arguments, and
the contact form's sections (issues, achievements, services: one formset each, for ``contact_log``).

The rules live in ``achievements.services``; a form here only turns input into typed values and
shows the service's field errors in place. Field names match the services' argument names, so a
service's ``ValidationError`` lands on the field that collected the value.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from config.forms import PortalForm, add_service_errors  # noqa: F401 - add_service_errors: the views' door
from config.forms import date_input as _date_input
from config.forms import textarea as _textarea
from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, LimitedFormField
from issues.models import WORKING_DAYS_BY_CLASS, Issue, IssueClass
from liaison.forms import PortalFormMixin
from liaison.models import Unit

from .contacts import CONTACT_ACHIEVEMENT_FIELDS, CONTACT_ISSUE_FIELDS, CONTACT_SERVICE_FIELDS
from .models import (
    MATCH_STATUS_ORDER,
    AchievementType,
    Judgement,
    MatchStatus,
    ServiceKind,
    TechnologyField,
    TransformationMode,
    readiness_choices,
)

def _blank(label, choices):
    return [("", label), *choices]


class DescriptionForm(PortalForm):
    """What the achievement is: ``achievement_collect``'s and ``achievement_update``'s arguments."""

    title = LimitedFormField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    achievement_type = forms.ChoiceField(label=_("Type of achievement"), choices=_blank(_("Choose…"), AchievementType.choices))
    technology_field = forms.ChoiceField(
        label=_("Technology field"), choices=_blank(_("Choose…"), TechnologyField.choices),
        help_text=_("One of the eight fields of the national list of high-tech fields."),
    )
    sub_field = LimitedFormField(label=_("Sub-field"), max_length=100, required=False)
    registration_numbers = LimitedFormField(
        label=_("Patent or registration numbers"), max_length=SHORT_TEXT_MAX_LENGTH, required=False,
        help_text=_("Patent, software copyright, variety or registration numbers, separated by commas."),
    )
    description = LimitedFormField(
        label=_("Description"), max_length=LONG_TEXT_MAX_LENGTH, required=False, widget=_textarea(4)
    )


class CollectForm(DescriptionForm):
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=None, empty_label=_("Choose…"))
    contact = forms.ModelChoiceField(
        label=_("Brought up at the contact"), queryset=None, required=False, empty_label=_("None"),
    )
    collected_on = forms.DateField(label=_("Collected on"), required=False, widget=_date_input(),
                                   help_text=_("Leave empty for the contact's date, or today."))

    field_order = ["platform", "contact", "collected_on", "title", "achievement_type", "technology_field",
                   "sub_field", "registration_numbers", "description"]

    def __init__(self, *args, platforms, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = platforms
        self.fields["contact"].queryset = contacts.select_related("platform").order_by("-date", "-id")
        self.fields["contact"].label_from_instance = lambda c: f"{c.date:%Y-%m-%d} · {c.platform.name} · {c.get_kind_display()}"


class UpdateForm(DescriptionForm):
    def __init__(self, *args, achievement, **kwargs):
        kwargs.setdefault("initial", {name: getattr(achievement, name) for name in (
            "title", "achievement_type", "technology_field", "sub_field", "registration_numbers", "description")})
        super().__init__(*args, **kwargs)


class AssessForm(PortalForm):
    readiness_level = forms.TypedChoiceField(
        label=_("Technology readiness level"), coerce=int, choices=[],
        help_text=_("As GB/T 22900 defines the technology readiness levels."),
    )
    judgement = forms.ChoiceField(label=_("Overall judgement"), choices=_blank(_("Choose…"), Judgement.choices))
    ip_status = LimitedFormField(label=_("IP status"), max_length=SHORT_TEXT_MAX_LENGTH, required=False,
                                 widget=_textarea(2))
    market_prospects = LimitedFormField(label=_("Market prospects"), max_length=SHORT_TEXT_MAX_LENGTH,
                                        required=False, widget=_textarea(2))
    recommended_mode = forms.ChoiceField(
        label=_("Recommended mode of transformation"), choices=_blank(_("None yet"), TransformationMode.choices),
        required=False,
    )

    def __init__(self, *args, achievement=None, **kwargs):
        if achievement is not None and achievement.readiness_level:
            kwargs.setdefault("initial", {name: getattr(achievement, name) for name in (
                "readiness_level", "judgement", "ip_status", "market_prospects", "recommended_mode")})
        super().__init__(*args, **kwargs)
        self.fields["readiness_level"].choices = _blank(_("Choose…"), readiness_choices())


class AdvanceForm(PortalForm):
    note = LimitedFormField(label=_("What happened"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea(2))

    def __init__(self, *args, achievement=None, **kwargs):
        super().__init__(*args, **kwargs)


class TransformForm(PortalForm):
    transformation_mode = forms.ChoiceField(
        label=_("Mode of transformation"), choices=_blank(_("Choose…"), TransformationMode.choices)
    )
    counterpart_enterprise = LimitedFormField(label=_("Counterpart enterprise"), max_length=TITLE_MAX_LENGTH)
    landing_unit = forms.ModelChoiceField(
        label=_("District or park where it lands"), queryset=Unit.objects.exclude(kind=Unit.Kind.CITY_DEPARTMENT),
        required=False, empty_label=_("Outside the city, or not known"),
    )
    contract_amount = forms.DecimalField(label=_("Contract amount (10,000 yuan)"), max_digits=12, decimal_places=2)
    transformed_on = forms.DateField(label=_("Transformed on"), required=False, widget=_date_input(),
                                     help_text=_("Leave empty for today."))
    note = LimitedFormField(label=_("Note"), max_length=SHORT_TEXT_MAX_LENGTH, required=False, widget=_textarea(2))

    def __init__(self, *args, achievement=None, **kwargs):
        super().__init__(*args, **kwargs)


class ReasonForm(PortalForm):
    reason = LimitedFormField(label=_("Reason"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea(2))

    def __init__(self, *args, achievement=None, **kwargs):
        super().__init__(*args, **kwargs)


class CommentForm(PortalForm):
    text = LimitedFormField(label=_("Comment"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea(2))

    def __init__(self, *args, achievement=None, **kwargs):
        super().__init__(*args, **kwargs)


# --- demands and matches -----------------------------------------------------------------------------


class DemandForm(PortalForm):
    """``demand_raise``'s and ``demand_update``'s arguments (the unit only when raising)."""

    unit = forms.ModelChoiceField(label=_("District, county or park"), queryset=None, empty_label=_("Choose…"))
    enterprise = LimitedFormField(
        label=_("Enterprise"), max_length=TITLE_MAX_LENGTH, required=False,
        help_text=_("The enterprise that needs the technology; leave empty if the unit itself does."),
    )
    title = LimitedFormField(label=_("What technology is wanted"), max_length=TITLE_MAX_LENGTH)
    technology_field = forms.ChoiceField(
        label=_("Technology field"), choices=_blank(_("Choose…"), TechnologyField.choices),
        help_text=_("One of the eight fields of the national list of high-tech fields."),
    )
    sub_field = LimitedFormField(label=_("Sub-field"), max_length=100, required=False)
    description = LimitedFormField(
        label=_("Description"), max_length=LONG_TEXT_MAX_LENGTH, required=False, widget=_textarea(4),
        help_text=_("The problem to solve, the indicators wanted, the conditions: the words here find the achievements."),
    )
    # Checked here too, so that it shows with the form's other errors, in the service's words.
    budget = forms.DecimalField(label=_("Budget (10,000 yuan)"), max_digits=12, decimal_places=2, required=False,
                                min_value=0, error_messages={"min_value": _("The budget cannot be negative.")})
    wanted_by = forms.DateField(label=_("Wanted by"), required=False, widget=_date_input())
    contact_person = LimitedFormField(
        label=_("Contact person"), max_length=SHORT_TEXT_MAX_LENGTH, required=False,
        help_text=_("Who to call about the demand, with a phone number."),
    )

    def __init__(self, *args, units=None, demand=None, **kwargs):
        if demand is not None:
            kwargs.setdefault("initial", {name: getattr(demand, name) for name in (
                "enterprise", "title", "technology_field", "sub_field", "description", "budget", "wanted_by",
                "contact_person")})
        super().__init__(*args, **kwargs)
        if demand is not None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units


class CloseDemandForm(PortalForm):
    reason = LimitedFormField(label=_("Why is it closed"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea(2),
                              help_text=_("Met, withdrawn, or no longer wanted."))


class ConfirmMatchForm(PortalForm):
    """``match_confirm``: the pair comes from the page; a note is optional."""

    note = LimitedFormField(label=_("Note"), max_length=SHORT_TEXT_MAX_LENGTH, required=False, widget=_textarea(2))


class MatchStatusForm(PortalForm):
    """``match_set_status``: the new status, a note (the reason when it failed) and, when signed,
    the transformation's mode, amount and date."""

    status = forms.ChoiceField(label=_("New status"), choices=[])
    note = LimitedFormField(label=_("Note"), max_length=SHORT_TEXT_MAX_LENGTH, required=False, widget=_textarea(2),
                            help_text=_("Required when the match failed: say why."))
    transformation_mode = forms.ChoiceField(
        label=_("Mode of transformation"), choices=_blank(_("Only when signed"), TransformationMode.choices),
        required=False,
    )
    contract_amount = forms.DecimalField(label=_("Contract amount (10,000 yuan)"), max_digits=12, decimal_places=2,
                                         required=False)
    transformed_on = forms.DateField(label=_("Signed on"), required=False, widget=_date_input(),
                                     help_text=_("Leave empty for today."))

    def __init__(self, *args, match=None, **kwargs):
        super().__init__(*args, **kwargs)
        later = MATCH_STATUS_ORDER[MATCH_STATUS_ORDER.index(match.status) + 1:] if match is not None else []
        self.fields["status"].choices = [(s.value, s.label) for s in [*later, MatchStatus.FAILED]]


# --- service records -------------------------------------------------------------------------------



class _Labelled(forms.ModelChoiceField):
    """A choice of achievement or issue, named with its date and title."""

    def label_from_instance(self, obj):
        day = getattr(obj, "collected_on", None) or getattr(obj, "recorded_on", None)
        return f"{day:%Y-%m-%d} · {obj.title}" if day else obj.title


class ServiceRecordFields(PortalForm):
    """What a service is: ``service_record_create``'s and ``service_record_update``'s arguments."""

    kind = forms.ChoiceField(label=_("Kind of service"), choices=_blank(_("Choose…"), ServiceKind.choices))
    given_on = forms.DateField(label=_("Given on"), required=False, widget=_date_input(),
                               help_text=_("Leave empty for today."))
    achievement = _Labelled(label=_("For the achievement"), queryset=None, required=False, empty_label=_("None"))
    issue = _Labelled(label=_("For the issue"), queryset=None, required=False, empty_label=_("None"))
    description = LimitedFormField(label=_("What was done"), max_length=LONG_TEXT_MAX_LENGTH, widget=_textarea(3))
    outcome = LimitedFormField(label=_("Outcome"), max_length=SHORT_TEXT_MAX_LENGTH, required=False,
                               widget=_textarea(2))

    def __init__(self, *args, achievements, issues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["achievement"].queryset = achievements.order_by("-collected_on", "-pk")
        self.fields["issue"].queryset = issues.order_by("-recorded_on", "-pk")


class ServiceRecordForm(ServiceRecordFields):
    """A service logged on its own: the platform first."""

    platform = forms.ModelChoiceField(label=_("Platform"), queryset=None, empty_label=_("Choose…"))

    field_order = ["platform", "kind", "given_on", "achievement", "issue", "description", "outcome"]

    def __init__(self, *args, platforms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = platforms


class ServiceRecordUpdateForm(ServiceRecordFields):
    def __init__(self, *args, record, **kwargs):
        kwargs.setdefault("initial", {
            "kind": record.kind, "given_on": record.given_on, "achievement": record.achievement_id,
            "issue": record.issue_id, "description": record.description, "outcome": record.outcome,
        })
        super().__init__(*args, **kwargs)


class ServiceRecordDeleteForm(PortalForm):
    reason = LimitedFormField(label=_("Reason"), max_length=SHORT_TEXT_MAX_LENGTH, widget=_textarea(2),
                              help_text=_("Why the record was a mistake: it is kept in the record's history."))


# --- the contact form's findings: issues, achievements, services -----------------------------------


#: The most findings of each kind one contact form takes (a sanity limit, far above a real contact's).
MAX_ISSUES_PER_CONTACT = 30
ISSUES_PREFIX = "issues"
ACHIEVEMENTS_PREFIX = "achievements"
SERVICES_PREFIX = "services"


class ContactIssueForm(PortalFormMixin, forms.Form):
    """One issue raised at the contact. A row left untouched is skipped."""

    title = LimitedFormField(
        label=_("Issue"), max_length=Issue._meta.get_field("title").max_length, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    #: Each class with what it means in a few words, for a button on a phone.
    CLASS_HINTS = [
        (IssueClass.A, _("answered on the spot")),
        (IssueClass.B, format_lazy(_("own unit, {} working days"), WORKING_DAYS_BY_CLASS[IssueClass.B])),
        (IssueClass.C, format_lazy(_("other units, {} working days"), WORKING_DAYS_BY_CLASS[IssueClass.C])),
        (IssueClass.D, format_lazy(_("city level, {} working days"), WORKING_DAYS_BY_CLASS[IssueClass.D])),
    ]

    issue_class = forms.ChoiceField(label=_("Class"), choices=CLASS_HINTS, widget=forms.RadioSelect, required=False)
    service_area = forms.ChoiceField(
        label=_("Service area"), choices=[("", "—"), *Issue.ServiceArea.choices], required=False,
    )
    description = LimitedFormField(
        label=_("Description"), max_length=LONG_TEXT_MAX_LENGTH, required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    answer = LimitedFormField(
        label=_("Answer given on the spot"), max_length=LONG_TEXT_MAX_LENGTH, required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def as_row(self) -> dict:
        issue = {name: self.cleaned_data.get(name) or "" for name in CONTACT_ISSUE_FIELDS}
        if issue["issue_class"] and issue["issue_class"] != IssueClass.A:
            # The answer field is shown for class A only: text left in it after choosing
            # another class is not meant to be kept.
            issue["answer"] = ""
        return issue


class ContactAchievementForm(PortalFormMixin, forms.Form):
    """One achievement collected at the contact: the least that describes it (the rest is added on
    its page). A row left untouched is skipped."""

    title = LimitedFormField(label=_("Achievement"), max_length=TITLE_MAX_LENGTH, required=False,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
    achievement_type = forms.ChoiceField(label=_("Type of achievement"), required=False,
                                         choices=_blank("—", AchievementType.choices))
    technology_field = forms.ChoiceField(label=_("Technology field"), required=False,
                                         choices=_blank("—", TechnologyField.choices))
    description = LimitedFormField(label=_("Description"), max_length=LONG_TEXT_MAX_LENGTH, required=False,
                                   strip=False, widget=forms.Textarea(attrs={"rows": 2}))

    def as_row(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in CONTACT_ACHIEVEMENT_FIELDS}


class ContactServiceForm(PortalFormMixin, forms.Form):
    """One service given at the contact. A row left untouched is skipped."""

    kind = forms.ChoiceField(label=_("Kind of service"), required=False, choices=_blank("—", ServiceKind.choices))
    description = LimitedFormField(label=_("What was done"), max_length=LONG_TEXT_MAX_LENGTH, required=False,
                                   strip=False, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = LimitedFormField(label=_("Outcome"), max_length=SHORT_TEXT_MAX_LENGTH, required=False,
                               strip=False, widget=forms.Textarea(attrs={"rows": 2}))

    def as_row(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in CONTACT_SERVICE_FIELDS}


def _formset(form):
    return forms.formset_factory(form, extra=0, max_num=MAX_ISSUES_PER_CONTACT, validate_max=True,
                                 absolute_max=MAX_ISSUES_PER_CONTACT)


ContactIssueFormSet = _formset(ContactIssueForm)
ContactAchievementFormSet = _formset(ContactAchievementForm)
ContactServiceFormSet = _formset(ContactServiceForm)
#: Each section of the contact form: its prefix (also ``contact_log``'s argument and error section)
#: and its formset.
CONTACT_SECTIONS = {
    ISSUES_PREFIX: ContactIssueFormSet,
    ACHIEVEMENTS_PREFIX: ContactAchievementFormSet,
    SERVICES_PREFIX: ContactServiceFormSet,
}


class RetryKeyForm(forms.Form):
    """The contact form's idempotency key: a random value made when the form is shown, so that the
    same form submitted twice (a second tap on a weak connection) saves once
    (``notices.idempotency``). Optional: a page from before it existed posts without one."""

    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    @classmethod
    def fresh(cls) -> "RetryKeyForm":
        return cls(initial={"idempotency_key": uuid.uuid4()})

    @property
    def key(self) -> str:
        """The key posted, or "" when there is none (or it is not one this form made)."""
        if not self.is_valid() or self.cleaned_data["idempotency_key"] is None:
            return ""
        return str(self.cleaned_data["idempotency_key"])


def contact_formsets(data=None) -> dict:
    """The contact form's sections, bound to ``data`` if given. A section whose management form is
    missing from ``data`` (posted by a page from before it existed) is taken as empty."""
    formsets = {}
    for prefix, formset_class in CONTACT_SECTIONS.items():
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            data = data.copy()
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        formsets[prefix] = formset_class(data, prefix=prefix) if data is not None else formset_class(prefix=prefix)
    return formsets


def rows_to_log(formset) -> tuple[list[dict], list[forms.Form]]:
    """The findings typed into the formset's rows (rows left empty are skipped), and their forms."""
    rows = [form for form in formset.forms if form.has_changed()]
    return [form.as_row() for form in rows], rows


def apply_contact_log_errors(error: ValidationError, *, form: forms.Form, section_forms: dict) -> None:
    """Put ``contact_log``'s errors on the fields they are about: the contact's on ``form``, each
    finding's on its row (``section_forms``: the section's prefix -> the forms of its rows logged)."""
    for key, messages in error.message_dict.items():
        target, field = form, key
        section, _dot, rest = key.partition(".")
        if section in section_forms and rest:
            index, _dot, field = rest.partition(".")
            target = section_forms[section][int(index)]
            field = field or None
        if field not in target.fields:
            field = None
        for message in messages:
            target.add_error(field, message)
