"""Every change of state to service records (服务记录): record, correct, delete.

Pages, the API, the admin, the contact form and the demo all call these functions: one rule, one
place. Each runs in one transaction, checks who may act with ``achievements.access`` (raising
``PermissionDenied`` with a message that says who may) and raises ``ValidationError`` with field
messages a person can act on.

Decisions the issue leaves open, made here:

- A service is credited to the cadre responsible for the platform on the day it was given, whoever
  records it (the cadre, or bureau staff recording after the fact); a day on which no cadre served
  the platform is refused.
- A record made by mistake is deleted, with the reason, not withdrawn: it never counted as a
  service. The deletion and its reason stay in the record's history (django-simple-history).
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser as User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.text_limits import LONG_TEXT_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH, text_length_errors
from issues.models import Issue
from liaison.models import Assignment, Cadre, Contact
from platforms.models import Platform

from . import access
from .models import Achievement, ServiceKind, ServiceRecord

#: The fields ``service_record_update`` may change.
EDITABLE_FIELDS = ("kind", "description", "outcome", "given_on", "achievement", "issue")


def _today() -> datetime.date:
    return timezone.localdate()


def _credited_cadre(platform: Platform, on: datetime.date) -> Cadre | None:
    assignment = Assignment.objects.covering(on).filter(platform=platform).select_related("cadre__user").first()
    return assignment.cadre if assignment else None


def _content_errors(
    *, platform: Platform, kind: str, description: str, outcome: str, given_on: datetime.date,
    achievement: Achievement | None, issue: Issue | None,
) -> dict:
    errors = text_length_errors(
        description=(description, LONG_TEXT_MAX_LENGTH), outcome=(outcome, SHORT_TEXT_MAX_LENGTH)
    )
    if kind not in ServiceKind.values:
        errors["kind"] = _("Choose the kind of service.")
    if not description:
        errors["description"] = _("Say what was done for the platform.")
    if given_on > _today():
        errors["given_on"] = _("The date of a service cannot be in the future.")
    if achievement is not None and achievement.platform_id != platform.pk:
        errors["achievement"] = _("That achievement is another platform's.")
    if issue is not None and issue.platform_id != platform.pk:
        errors["issue"] = _("That issue is another platform's.")
    return errors


def _refuse(platform: Platform, on: datetime.date):
    return PermissionDenied(
        _("Only the cadre responsible for the platform on %(date)s, or bureau staff, may record its services.")
        % {"date": on.isoformat()}
    )


@transaction.atomic
def service_record_create(
    *,
    by: User,
    platform: Platform,
    kind: str,
    description: str,
    outcome: str = "",
    given_on: datetime.date | None = None,
    achievement: Achievement | None = None,
    issue: Issue | None = None,
    contact: Contact | None = None,
) -> ServiceRecord:
    """Record a service given to ``platform``, optionally for one of its achievements or issues,
    optionally at a contact with it.

    ``given_on`` defaults to the contact's date, else today, and may not be in the future. The cadre
    responsible for the platform that day is credited; they, bureau staff and admins may record it.
    """
    if given_on is None:
        given_on = contact.date if contact is not None else _today()
    description, outcome = (description or "").strip(), (outcome or "").strip()
    errors = _content_errors(platform=platform, kind=kind, description=description, outcome=outcome,
                             given_on=given_on, achievement=achievement, issue=issue)
    if "given_on" not in errors and not access.can_record_service(by, platform=platform, on=given_on):
        raise _refuse(platform, given_on)
    cadre = _credited_cadre(platform, given_on) if "given_on" not in errors else None
    if cadre is None and "given_on" not in errors:
        errors["given_on"] = _("No cadre was responsible for %(platform)s on %(date)s.") % {
            "platform": platform, "date": given_on.isoformat()}
    if contact is not None:
        if contact.platform_id != platform.pk:
            errors["contact"] = _("That contact was with another platform.")
        elif cadre is not None and contact.cadre_id != cadre.pk:
            errors["contact"] = _("That contact was another cadre's.")
        elif contact.date > given_on:
            errors["contact"] = _("That contact took place after the date of the service.")
    if errors:
        raise ValidationError(errors)
    return ServiceRecord.objects.create(
        platform=platform, kind=kind, given_by=cadre, given_on=given_on, achievement=achievement, issue=issue,
        contact=contact, description=description, outcome=outcome, recorded_by=by,
    )


def _lock(record: ServiceRecord) -> ServiceRecord:
    return ServiceRecord.objects.select_for_update(of=("self",)).select_related("platform").get(pk=record.pk)


def _require_changer(by: User, record: ServiceRecord) -> None:
    if not access.can_change_service_record(by, record):
        raise PermissionDenied(
            _("Only the cadre credited with the service, the platform's responsible cadre or bureau staff may "
              "change it.")
        )


@transaction.atomic
def service_record_update(
    *,
    record: ServiceRecord,
    by: User,
    kind: str,
    description: str,
    outcome: str = "",
    given_on: datetime.date | None = None,
    achievement: Achievement | None = None,
    issue: Issue | None = None,
) -> ServiceRecord:
    """Correct a service record. The cadre credited stays: a new date must be one on which that
    cadre served the platform. Returns the record as saved (the instance passed in is not updated)."""
    record = _lock(record)
    _require_changer(by, record)
    given_on = given_on or record.given_on
    values = {
        "kind": kind, "description": (description or "").strip(), "outcome": (outcome or "").strip(),
        "given_on": given_on, "achievement": achievement, "issue": issue,
    }
    errors = _content_errors(platform=record.platform, **values)
    if "given_on" not in errors and given_on != record.given_on:
        if _credited_cadre(record.platform, given_on) != record.given_by:
            errors["given_on"] = _("%(cadre)s, credited with this service, did not serve the platform on %(date)s.") % {
                "cadre": record.given_by, "date": given_on.isoformat()}
        elif record.contact is not None and record.contact.date > given_on:
            errors["given_on"] = _("The service was given at a contact on %(date)s: it cannot be earlier.") % {
                "date": record.contact.date.isoformat()}
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    if not changed:
        raise ValidationError(_("Nothing was changed."), code="unchanged")
    for name in changed:
        setattr(record, name, values[name])
    record._change_reason = _("Corrected")
    record.save(update_fields=[*changed, "updated_at"])
    return record


@transaction.atomic
def service_record_delete(*, record: ServiceRecord, by: User, reason: str) -> None:
    """Delete a service recorded by mistake, with the reason (kept in the record's history)."""
    record = _lock(record)
    _require_changer(by, record)
    reason = (reason or "").strip()
    errors = text_length_errors(reason=(reason, SHORT_TEXT_MAX_LENGTH))
    if not reason:
        errors["reason"] = _("Give the reason for deleting the record.")
    if errors:
        raise ValidationError(errors)
    record._change_reason = reason
    record._history_user = by
    record.delete()
