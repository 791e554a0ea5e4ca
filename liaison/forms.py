"""The cadre's contact form: the contact itself.

The form only reads what was typed (dates, choices); what makes a contact valid is
``liaison.services.contact_create``'s to say. The page that logs a contact with the issues,
achievements and services it brought up lives in ``achievements`` (``achievements.views.contact_new``),
which adds a formset for each and puts every error back in place.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.text_limits import LONG_TEXT_MAX_LENGTH, LimitedFormField

from .models import Contact


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
