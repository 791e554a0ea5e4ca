"""The cadre's contact form: the contact itself.

The form only reads what was typed (dates, choices); what makes a contact valid is
``liaison.services.contact_create``'s to say. The page that logs a contact with the issues,
achievements and services it brought up lives in ``achievements`` (``achievements.views.contact_new``),
which adds a formset for each and puts every error back in place.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.search_select import searchable
from config.text_limits import LONG_TEXT_MAX_LENGTH, LimitedFormField

from .models import Assignment, Cadre, Contact


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
        searchable(self)


class PlatformChoiceField(forms.ModelChoiceField):
    #: The queryset the form was given, once it has been read (``liaison.access.ReadWholeOnSlice``):
    #: the choice is looked up among its rows rather than read again.
    read_choices = None

    def label_from_instance(self, obj):
        return obj.name

    def to_python(self, value):
        if self.read_choices is None or self.read_choices._result_cache is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        model = self.queryset.model
        try:
            key = model._meta.pk.to_python(value.pk if isinstance(value, model) else value)
        except ValidationError:
            key = None  # not a key: no choice has it
        chosen = next((platform for platform in self.read_choices if platform.pk == key), None)
        if key is None or chosen is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return chosen


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
        self.fields["platform"].read_choices = platforms
        today = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        if not self.is_bound:
            self.initial.setdefault("date", today)
            self.initial.setdefault("kind", Contact.Kind.VISIT)


# --- a cadre leaves: the hand-over form ---------------------------------------------------------------


class HandOverForm(PortalFormMixin, forms.Form):
    """The reason, the day, and a successor for each of the leaving cadre's platforms (fields named
    ``successor_<platform id>``), offered from ``page.candidates`` in their order, grouped.

    Any cadre id is read (the choices only suggest): who may succeed is ``cadre_hand_over``'s to say,
    and its refusal lands on the platform's field (``add_refusal``).
    """

    reason = LimitedFormField(
        label=_("Why the cadre leaves"), max_length=Assignment._meta.get_field("end_reason").max_length,
        required=False, widget=forms.TextInput(attrs={"placeholder": _("e.g. transferred to another post")}),
    )
    date = forms.DateField(
        label=_("Hand-over day"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The old assignments end and the new ones start on this day."),
    )

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        most = settings.PORTAL["MAX_PLATFORMS_PER_CADRE"]
        groups = [
            (_("Same unit, with room"), [o for o in page.candidates if o.has_room and o.same_unit]),
            (_("Other units, with room"), [o for o in page.candidates if o.has_room and not o.same_unit]),
            (_("No room"), [o for o in page.candidates if not o.has_room]),
        ]
        choices = [("", _("Choose the successor"))] + [
            (label, [(o.cadre.pk, _successor_label(o, most)) for o in options]) for label, options in groups if options
        ]
        for assignment in page.assignments:
            name = self.field_name(assignment.platform_id)
            self.fields[name] = forms.ModelChoiceField(
                label=assignment.platform.name, queryset=Cadre.objects.select_related("user", "unit"),
                required=False, error_messages={"invalid_choice": _("Choose one of the cadres listed.")},
            )
            self.fields[name].widget.choices = choices
            self.fields[name].widget.attrs["class"] = "form-select form-select-lg"
            if not self.is_bound and assignment.platform_id in page.suggested:
                self.initial[name] = page.suggested[assignment.platform_id]
        today = timezone.localdate()
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        if not self.is_bound:
            self.initial.setdefault("date", today)

    @staticmethod
    def field_name(platform_id: int) -> str:
        return f"successor_{platform_id}"

    def rows(self):
        """(assignment, its bound successor field) for each platform, in the page's order."""
        return [(a, self[self.field_name(a.platform_id)]) for a in self.page.assignments]

    def successors(self) -> dict:
        """Platform -> the chosen cadre (None where none was chosen)."""
        return {a.platform: self.cleaned_data.get(self.field_name(a.platform_id)) for a in self.page.assignments}

    def chosen_ids(self) -> dict[int, int]:
        return {a.platform_id: c.pk for a, c in ((a, self.cleaned_data.get(self.field_name(a.platform_id)))
                                                  for a in self.page.assignments) if c is not None}

    def add_refusal(self, refused) -> None:
        """Put a refused hand-over's messages where they belong: on each platform's field, on the
        reason or the day, the rest above the form."""
        for platform_id, messages in refused.by_platform.items():
            name = self.field_name(platform_id)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        for field_name, messages in refused.general.items():
            if field_name == "successors":
                continue
            for message in messages:
                self.add_error(field_name if field_name in self.fields else None, message)


def _successor_label(option, most: int) -> str:
    return _("%(name)s · %(unit)s · platforms %(serving)d/%(max)d · open issues %(issues)d") % {
        "name": option.cadre.name, "unit": option.cadre.unit.name, "serving": option.serving, "max": most,
        "issues": option.open_issues,
    }
