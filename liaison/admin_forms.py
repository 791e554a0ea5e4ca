"""Forms of the admin that hand their input to liaison.services.

The services are the validators: each form checks only the shape of its input, calls the
service, and puts the service's refusal on the fields it names, so the admin shows the error in
place instead of a 500 page.
"""

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.text_limits import LimitedFormField
from platforms.models import Platform

from . import services
from .models import Assignment, Cadre, Contact


def add_service_errors(form: forms.Form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put a service's ``ValidationError`` on ``form``.

    A message keyed by an argument of the service goes on the form field of that name (or the
    one ``fields`` maps it to); anything else goes above the form.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    fields = fields or {}
    for key, errors in error.error_dict.items():
        name = fields.get(key, key)
        form.add_error(name if name in form.fields else None, errors)


def _autocomplete(field: forms.ModelChoiceField, widget) -> None:
    """Search the choices with the admin's autocomplete (it needs the admin site, known only at run time)."""
    widget.choices = field.choices
    widget.is_required = field.required
    field.widget = widget


class _ServiceModelForm(forms.ModelForm):
    """A model form whose last validation step is the service call that writes.

    ``_post_clean`` normally builds the instance and runs the model's checks; here the service
    does both, and its refusals are clearer than a violated-constraint message. The service runs
    inside the admin's transaction; on success ``self.instance`` is the saved object, so the
    admin's ``save_model`` must not save it again.
    """

    service_error_fields: dict[str, str] = {}

    def _post_clean(self):
        if self.errors:
            return
        try:
            result = self.call_service(self.cleaned_data)
        except ValidationError as error:
            add_service_errors(self, error, self.service_error_fields)
        else:
            if result is not None:
                self.instance = result

    def call_service(self, data):
        raise NotImplementedError


class AssignmentAddForm(_ServiceModelForm):
    """Adds an assignment through ``assignment_create``."""

    class Meta:
        model = Assignment
        fields = ["cadre", "platform", "start_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].initial = timezone.localdate

    def call_service(self, data):
        return services.assignment_create(
            cadre=data["cadre"], platform=data["platform"], start_date=data["start_date"]
        )


class AssignmentEndForm(_ServiceModelForm):
    """The only change to an active assignment: ending it through ``assignment_end``."""

    class Meta:
        model = Assignment
        fields = ["end_date", "end_reason"]
        help_texts = {"end_date": _("Leave empty to end it today.")}

    def call_service(self, data):
        if data.get("end_date") is None and not data.get("end_reason", "").strip():
            return None  # saved without ending it: nothing to do
        return services.assignment_end(
            assignment=self.instance, reason=data.get("end_reason", ""), end_date=data.get("end_date")
        )


class ContactAddForm(_ServiceModelForm):
    """Records a contact through ``contact_create``; ``recorded_by`` is set by the admin."""

    recorded_by = None

    class Meta:
        model = Contact
        fields = ["platform", "cadre", "date", "kind", "people_met", "summary", "needs"]

    def call_service(self, data):
        return services.contact_create(
            cadre=data["cadre"],
            platform=data["platform"],
            date=data["date"],
            kind=data["kind"],
            summary=data["summary"],
            people_met=data.get("people_met", ""),
            needs=data.get("needs", ""),
            by=self.recorded_by,
        )


class SetPlatformsForm(forms.Form):
    """A cadre's whole set of platforms, for ``cadre_set_platforms``."""

    platforms = forms.ModelMultipleChoiceField(
        label=_("platforms"),
        queryset=Platform.objects.all(),
        required=False,
        help_text=_("Choose 2 to 4 platforms."),
    )
    reason = LimitedFormField(
        label=_("reason for ending"),
        max_length=200,
        required=False,
        help_text=_("Needed when a platform is removed from the cadre."),
    )
    start_date = forms.DateField(label=_("effective date"), initial=timezone.localdate, widget=AdminDateWidget)

    service_error_fields = {"end_reason": "reason"}

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        widget = AutocompleteSelectMultiple(Assignment._meta.get_field("platform"), admin_site)
        _autocomplete(self.fields["platforms"], widget)


class ActionReasonForm(forms.Form):
    """The reason asked for by an admin action that ends assignments."""

    reason = LimitedFormField(label=_("reason"), max_length=200)

    service_error_fields = {"end_reason": "reason"}


class EndAssignmentsForm(ActionReasonForm):
    end_date = forms.DateField(
        label=_("end date"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("The first day the cadre is no longer responsible. Leave empty for today."),
    )


class TransferPlatformsForm(ActionReasonForm):
    """Where the platforms of the selected cadres go, for ``assignment_transfer``."""

    to_cadre = forms.ModelChoiceField(label=_("to cadre"), queryset=Cadre.objects.filter(is_active=True))
    date = forms.DateField(
        label=_("handover date"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("Leave empty for today."),
    )

    field_order = ["to_cadre", "reason", "date"]
    service_error_fields = {"cadre": "to_cadre", "end_reason": "reason", "end_date": "date", "start_date": "date"}

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        _autocomplete(self.fields["to_cadre"], AutocompleteSelect(Assignment._meta.get_field("cadre"), admin_site))


class ListUploadForm(forms.Form):
    """A list to import (``liaison.bulk``): an .xlsx or .csv file."""

    file = forms.FileField(
        label=_("file"),
        help_text=_("An .xlsx or .csv file with the template's columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        from .bulk import MAX_UPLOAD_BYTES, format_of

        upload = self.cleaned_data["file"]
        try:
            self.file_format = format_of(upload.name)
        except ValidationError as error:
            raise ValidationError(error.message_dict["file"]) from None
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d MB: split it.") % {"size": MAX_UPLOAD_BYTES // 2**20}
            )
        return upload
