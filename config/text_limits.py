"""The portal's limits on free text, and the one plain message that refuses a text over its limit.

A 20,000-character contact summary once made the phone page 30,000 px tall. Every free-text field
has a limit, and every door refuses a longer text with the same message: the model
(``full_clean``, so the admin), the portal's forms, the API's serializers and the services (for
callers that skip forms: admin actions, imports, the API's action endpoints).
"""

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

#: Titles and names.
TITLE_MAX_LENGTH = 200
#: Reasons, comments, notes and a rating's comment: a few sentences.
SHORT_TEXT_MAX_LENGTH = 500
#: Summaries, needs, descriptions, answers, solutions and resolutions: a few paragraphs.
LONG_TEXT_MAX_LENGTH = 2000

#: Replaces Django's "Ensure this value has at most…" (确保该变量…) and DRF's wording: it says the
#: limit, how long the text is, and what to do.
TOO_LONG_MESSAGE = _("At most %(limit_value)d characters (this has %(show_value)d): please shorten it.")


class TextLengthValidator(validators.MaxLengthValidator):
    """Django's ``MaxLengthValidator`` (same code, ``max_length``) with the portal's message."""

    message = TOO_LONG_MESSAGE


def text_length_errors(**texts: tuple[str, int]) -> dict[str, ValidationError]:
    """The texts over their limit, by argument name, ready for a service's errors dict.

    Called as ``text_length_errors(summary=(summary, LONG_TEXT_MAX_LENGTH), ...)``.
    """
    errors = {}
    for name, (text, limit) in texts.items():
        try:
            TextLengthValidator(limit)(text or "")
        except ValidationError as error:
            errors[name] = error
    return errors


def require_text_lengths(**texts: tuple[str, int]) -> None:
    """Raise a ``ValidationError`` naming each text over its limit (see ``text_length_errors``)."""
    errors = text_length_errors(**texts)
    if errors:
        raise ValidationError(errors)


# --- model fields ------------------------------------------------------------------------------


class LimitedCharField(models.CharField):
    """A ``CharField`` whose over-long value is refused with the portal's message, in ``full_clean``
    and in the forms built from it (the admin's)."""

    default_error_messages = {"max_length": TOO_LONG_MESSAGE}

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": LimitedFormField, **kwargs})


class LimitedTextField(models.TextField):
    """A ``TextField`` with a required ``max_length`` that ``full_clean`` enforces too (a plain
    ``TextField`` only passes it to its form field), refused with the portal's message."""

    default_error_messages = {"max_length": TOO_LONG_MESSAGE}

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(TextLengthValidator(self.max_length))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": LimitedFormField, **kwargs})


# --- form and serializer fields ----------------------------------------------------------------


class LimitedFormField(forms.CharField):
    """A form ``CharField`` whose ``max_length`` (also the widget's ``maxlength``) is refused with
    the portal's message."""

    default_error_messages = {"max_length": TOO_LONG_MESSAGE}


class LimitedSerializerField(serializers.CharField):
    """DRF's ``CharField`` refusing an over-long text with the portal's message (DRF's own says
    neither how long the text is nor what to do). ``max_length`` stays set for the schema."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.max_length is not None:
            self.validators = [
                *(v for v in self.validators if type(v) is not validators.MaxLengthValidator),
                TextLengthValidator(self.max_length),
            ]


class LimitedTextSerializerMixin:
    """For a ``ModelSerializer``: the limited model fields become ``LimitedSerializerField``s."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        LimitedCharField: LimitedSerializerField,
        LimitedTextField: LimitedSerializerField,
    }
