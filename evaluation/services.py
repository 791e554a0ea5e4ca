"""The evaluation's one change of state: the score's weights. The figures themselves are read-only."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from config.text_limits import SHORT_TEXT_MAX_LENGTH, text_length_errors
from liaison.access import roles_of

from .models import ScoreWeights
from .scoring import KINDS, MAX_WEIGHT, LABELS


@transaction.atomic
def score_weights_set(*, by, weights: dict, note: str = "") -> ScoreWeights:
    """Set the weights from now on (bureau staff and admins); the previous ones stay in the history."""
    if not roles_of(by).supervises:
        raise PermissionDenied(_("Only bureau staff may change the score's weights."))
    errors = text_length_errors(note=(note.strip(), SHORT_TEXT_MAX_LENGTH))
    clean = {}
    for key in KINDS:
        value = weights.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
            errors[key] = _("%(figure)s: give a whole number from 0 to %(max)d.") % {
                "figure": LABELS[key], "max": MAX_WEIGHT}
        else:
            clean[key] = value
    unknown = sorted(set(weights) - set(KINDS))
    if unknown:
        errors["weights"] = _("Unknown figures: %(names)s.") % {"names": ", ".join(unknown)}
    elif not errors and not any(clean.values()):
        errors["weights"] = _("Give at least one figure a weight above 0.")
    if errors:
        raise ValidationError(errors)
    return ScoreWeights.objects.create(weights=clean, changed_by=by, note=note.strip())
