from django import forms
from django.utils.translation import gettext_lazy as _

from config.text_limits import SHORT_TEXT_MAX_LENGTH


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=[(n, str(n)) for n in range(1, 6)], coerce=int,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=SHORT_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
