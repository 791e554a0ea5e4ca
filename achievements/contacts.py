"""A contact that carries what the platform brought up: the issues it raised, the achievements
collected from it and the services given to it, saved all or nothing.

The workflow spans three rooms (liaison's contact, issues, achievements), so it lives here, in the
room highest in the order, and calls each room's own service: ``liaison.services.contact_create``,
``issues.services.issue_create``, ``achievements.services.achievement_collect`` and
``achievements.service_records.service_record_create``.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from issues import services as issue_services
from liaison.models import Cadre, Contact
from liaison.services import contact_create
from platforms.models import Platform

from . import services as achievement_services
from .service_records import service_record_create

#: The keys of one issue raised at a contact, as ``contact_log`` takes them.
CONTACT_ISSUE_FIELDS = ("title", "issue_class", "service_area", "description", "answer")
#: The keys of one achievement collected at a contact.
CONTACT_ACHIEVEMENT_FIELDS = ("title", "achievement_type", "technology_field", "description")
#: The keys of one service given at a contact.
CONTACT_SERVICE_FIELDS = ("kind", "description", "outcome")

#: The section each kind of finding is reported under, and the fields it takes.
SECTIONS = {"issues": CONTACT_ISSUE_FIELDS, "achievements": CONTACT_ACHIEVEMENT_FIELDS,
            "services": CONTACT_SERVICE_FIELDS}
#: A finding's errors about these arguments repeat the contact's own (its date, the cadre's
#: responsibility that day): while the contact is invalid they are reported there only.
_CONTACT_ARGUMENTS = {"recorded_on", "collected_on", "given_on", "contact"}


def contact_error_key(section: str, index: int, field: str) -> str:
    """The key under which ``contact_log`` reports an error of its ``index``-th finding of
    ``section`` (``"issues.0.title"``; ``"issues.0"`` for the finding as a whole)."""
    return f"{section}.{index}.{field}" if field != "__all__" else f"{section}.{index}"


def contact_issue_error_key(index: int, field: str) -> str:
    return contact_error_key("issues", index, field)


def _check_keys(section: str, rows: list[dict]) -> None:
    for data in rows:
        unknown = set(data) - set(SECTIONS[section])
        if unknown:
            raise TypeError(f"contact_log: unknown {section} fields {sorted(unknown)}")


@transaction.atomic
def contact_log(
    *,
    cadre: Cadre,
    platform: Platform,
    date: datetime.date,
    kind: str,
    summary: str,
    people_met: str = "",
    needs: str = "",
    issues: list[dict] = (),
    achievements: list[dict] = (),
    services: list[dict] = (),
    by,
) -> Contact:
    """Record a contact together with the issues the platform raised in it, the achievements
    collected from it and the services given at it: all or nothing.

    Each of ``issues`` is a dict of ``CONTACT_ISSUE_FIELDS`` (recorded with ``issue_create`` on the
    contact's date), each of ``achievements`` of ``CONTACT_ACHIEVEMENT_FIELDS`` (collected with
    ``achievement_collect`` at the contact), each of ``services`` of ``CONTACT_SERVICE_FIELDS``
    (recorded with ``service_record_create`` at the contact); optional keys may be left out. Every
    part is checked before anything is kept: one ``ValidationError`` then reports all the contact's
    errors under its field names and each finding's under ``contact_error_key(section, index, field)``.
    """
    for section, rows in (("issues", issues), ("achievements", achievements), ("services", services)):
        _check_keys(section, rows)
    errors: dict[str, list[str]] = {}
    contact = None
    try:
        with transaction.atomic():
            contact = contact_create(
                cadre=cadre, platform=platform, date=date, kind=kind, summary=summary,
                people_met=people_met, needs=needs, by=by,
            )
    except ValidationError as error:
        errors.update(error.message_dict)

    def attempt(section: str, index: int, create) -> None:
        try:
            # Checked even when the contact itself is invalid (on its own, in a savepoint that is
            # rolled back below), so that every error is reported at once.
            with transaction.atomic():
                create()
        except PermissionDenied:
            if contact is not None:
                raise
            # The contact's own error (its date or the cadre's responsibility) says why.
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                errors.setdefault(contact_error_key(section, index, "__all__"), []).extend(error.messages)
                return
            for field, messages in error.message_dict.items():
                if contact is None and field in _CONTACT_ARGUMENTS:
                    continue  # the same problem as the contact's, reported there
                errors.setdefault(contact_error_key(section, index, field), []).extend(messages)

    for index, data in enumerate(issues):
        attempt("issues", index, lambda data=data: issue_services.issue_create(
            by=by, platform=platform, contact=contact, recorded_on=date,
            title=data.get("title", ""), service_area=data.get("service_area", ""),
            issue_class=data.get("issue_class", ""), description=data.get("description", ""),
            answer=data.get("answer", ""),
        ))
    for index, data in enumerate(achievements):
        attempt("achievements", index, lambda data=data: achievement_services.achievement_collect(
            by=by, platform=platform, contact=contact, collected_on=date,
            title=data.get("title", ""), achievement_type=data.get("achievement_type", ""),
            technology_field=data.get("technology_field", ""), description=data.get("description", ""),
        ))
    for index, data in enumerate(services):
        attempt("services", index, lambda data=data: service_record_create(
            by=by, platform=platform, contact=contact, given_on=date,
            kind=data.get("kind", ""), description=data.get("description", ""), outcome=data.get("outcome", ""),
        ))
    if errors:
        raise ValidationError(errors)
    return contact
