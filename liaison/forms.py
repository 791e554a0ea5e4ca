"""The cadre's contact form: the contact itself and the issues raised in it.

The forms only read what was typed (dates, choices); what makes a contact or an issue valid is
``liaison.services.contact_log``'s to say, and its errors are put back on the fields here
(``apply_contact_log_errors``), so that every mistake is shown at once, in place.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from config.text_limits import LONG_TEXT_MAX_LENGTH, LimitedFormField
from issues.models import WORKING_DAYS_BY_CLASS, Issue, IssueClass

from .models import Contact
from .services import CONTACT_ISSUE_FIELDS

#: The most issues one contact form takes (a sanity limit, far above a real contact's).
MAX_ISSUES_PER_CONTACT = 30


class PortalFormMixin:
    """Bootstrap's classes on every widget, large for fingers on a phone. Fields with errors get
    ``aria-invalid="true"`` from Django, which portal.css styles as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                css = "btn-check"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-lg"
            else:
                css = "form-control form-control-lg"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class PlatformChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ContactForm(PortalFormMixin, forms.Form):
    platform = PlatformChoiceField(
        label=_("Platform"), queryset=None, empty_label=None, widget=forms.RadioSelect,
        error_messages={"required": _("Choose the platform."),
                        "invalid_choice": _("Choose one of the platforms you serve.")},
    )
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter the date of the contact.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Contact.Kind.choices, widget=forms.RadioSelect, required=False,
    )
    people_met = LimitedFormField(
        label=_("People met"), max_length=Contact._meta.get_field("people_met").max_length, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("e.g. Director Zhang, Dr. Li")}),
    )
    summary = LimitedFormField(
        label=_("Situation and progress"), max_length=LONG_TEXT_MAX_LENGTH, required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    needs = LimitedFormField(
        label=_("Difficulties and needs raised"), max_length=LONG_TEXT_MAX_LENGTH, required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, platforms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = platforms
        today = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        if not self.is_bound:
            self.initial.setdefault("date", today)
            self.initial.setdefault("kind", Contact.Kind.VISIT)


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

    def as_issue(self) -> dict:
        issue = {name: self.cleaned_data.get(name) or "" for name in CONTACT_ISSUE_FIELDS}
        if issue["issue_class"] and issue["issue_class"] != IssueClass.A:
            # The answer field is shown for class A only: text left in it after choosing
            # another class is not meant to be kept.
            issue["answer"] = ""
        return issue


ContactIssueFormSet = forms.formset_factory(
    ContactIssueForm, extra=0, max_num=MAX_ISSUES_PER_CONTACT, validate_max=True, absolute_max=MAX_ISSUES_PER_CONTACT
)
ISSUES_PREFIX = "issues"


def issues_to_log(formset) -> tuple[list[dict], list[forms.Form]]:
    """The issues typed into the formset's rows (rows left empty are skipped), and their forms."""
    rows = [form for form in formset.forms if form.has_changed()]
    return [form.as_issue() for form in rows], rows


def apply_contact_log_errors(error: ValidationError, *, form: ContactForm, issue_forms: list[forms.Form]) -> None:
    """Put ``contact_log``'s errors on the fields they are about."""
    for key, messages in error.message_dict.items():
        target, field = form, key
        if key.startswith("issues."):
            _, index, *rest = key.split(".")
            target = issue_forms[int(index)]
            field = rest[0] if rest else None
        if field not in target.fields:
            field = None
        for message in messages:
            target.add_error(field, message)
