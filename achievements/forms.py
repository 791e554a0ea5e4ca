"""Forms for the achievement pages: each collects one service's arguments.

The rules live in ``achievements.services``; a form here only turns input into typed values and
shows the service's field errors in place. Field names match the services' argument names, so a
service's ``ValidationError`` lands on the field that collected the value.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import PortalForm, add_service_errors  # noqa: F401 - add_service_errors: the views' door
from config.forms import date_input as _date_input
from config.forms import textarea as _textarea
from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, LimitedFormField
from liaison.models import Unit

from .models import (
    MATCH_STATUS_ORDER,
    AchievementType,
    Judgement,
    MatchStatus,
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
    budget = forms.DecimalField(label=_("Budget (10,000 yuan)"), max_digits=12, decimal_places=2, required=False,
                                min_value=0)
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
