"""What every portal form shares, whichever room it belongs to: Bootstrap's classes on each widget,
``is-invalid`` on a field with an error, a service's ``ValidationError`` put on the fields it names,
and the few widgets the forms use alike."""

from django import forms
from django.core.exceptions import ValidationError

from .search_select import searchable

_WIDGET_CLASS = {
    "select": "form-select",
    "selectmultiple": "form-select",
    "radioselect": "form-check-input",
    "checkboxselectmultiple": "form-check-input",
    "checkboxinput": "form-check-input",
}


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: field messages on their fields, the rest
    (and messages about arguments the form does not collect) on top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class PortalForm(forms.Form):
    """Bootstrap classes on every widget, ``is-invalid`` on a field once it has an error, and
    record selects that become searches when their choices are many (``search_select``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = _WIDGET_CLASS.get(type(widget).__name__.lower(), "form-control")
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        searchable(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields and "is-invalid" not in self.fields[name].widget.attrs["class"]:
                self.fields[name].widget.attrs["class"] += " is-invalid"


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
