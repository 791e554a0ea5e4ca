"""Every change of state of a platform's links, and the platform's own rating."""

import datetime

from django.contrib.auth.models import AbstractBaseUser as User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.portal import portal_setting
from issues.models import Issue
from issues.services import closure_number, issue_rate
from liaison.access import may_manage_platform_links
from liaison.models import Assignment
from notices.registry import topic
from notices.services import Notice, notices_send
from platforms.models import Platform

from .links import rating_url
from .models import PlatformLink
from .notices import LOW_RATING, RATING_LINK

Kind = PlatformLink.Kind


def _expiry(days_setting: str) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=portal_setting(days_setting))


@transaction.atomic
def standing_link_issue(*, platform: Platform, by: User | None) -> PlatformLink:
    """A new standing link for ``platform``; the one live before it (if any) is revoked."""
    if by is not None and not may_manage_platform_links(by, platform=platform):
        raise PermissionDenied(_("Only the platform's responsible cadre or an admin may issue its link."))
    # The platform's row lock serialises two reissues at once: the second sees the first's link
    # and revokes it, instead of both inserting a live one.
    Platform.objects.select_for_update().filter(pk=platform.pk).first()
    now = timezone.now()
    PlatformLink.objects.filter(platform=platform, kind=Kind.STANDING, revoked_at=None).update(
        revoked_at=now, revoked_by=by
    )
    return PlatformLink.objects.create(
        platform=platform, kind=Kind.STANDING, created_at=now, created_by=by, expires_at=_expiry("PLATFORM_LINK_DAYS")
    )


@transaction.atomic
def link_revoke(*, link: PlatformLink, by: User | None) -> PlatformLink:
    """Revoke ``link``: every copy of its token stops working at once."""
    link = PlatformLink.objects.select_for_update().select_related("platform").get(pk=link.pk)
    if by is not None and not may_manage_platform_links(by, platform=link.platform):
        raise PermissionDenied(_("Only the platform's responsible cadre or an admin may revoke its links."))
    if link.revoked_at is not None:
        raise ValidationError(_("This link was already revoked."), code="revoked")
    link.revoked_at = timezone.now()
    link.revoked_by = by
    link.save(update_fields=["revoked_at", "revoked_by"])
    return link


def live_standing_link(platform: Platform) -> PlatformLink | None:
    now = timezone.now()
    return PlatformLink.objects.filter(
        platform=platform, kind=Kind.STANDING, revoked_at=None, expires_at__gt=now
    ).first()


@transaction.atomic
def rating_link_for_closure(*, issue: Issue) -> PlatformLink:
    """The rating link of the issue's current closure, made (and e-mailed to the platform's contact
    address, once) if there is none yet. Idempotent: the same closure always gives the same link."""
    closure = closure_number(issue)
    link, created = PlatformLink.objects.get_or_create(
        issue=issue, closure=closure, kind=Kind.RATING,
        defaults={"platform_id": issue.platform_id, "expires_at": _expiry("RATING_LINK_DAYS")},
    )
    if created:
        _send_rating_link(link, issue)
    return link


@transaction.atomic
def rating_link_reissue(*, issue: Issue, by: User) -> PlatformLink:
    """Replace the current closure's rating link (lost, or shown to the wrong person) with a new
    one: a new nonce, so every copy of the old token stops working, and the time to rate starts
    again. Nothing is e-mailed: the cadre shows the new link's QR code."""
    issue = Issue.objects.select_related("platform").get(pk=issue.pk)
    if not may_manage_platform_links(by, platform=issue.platform):
        raise PermissionDenied(_("Only the platform's responsible cadre or an admin may reissue its rating link."))
    if issue.status not in Issue.CLOSED_STATUSES:
        raise ValidationError(_("Only a closed issue can be rated."), code="open")
    if issue.rating is not None:
        raise ValidationError(_("This closure has already been rated."), code="rated")
    link = rating_link_for_closure(issue=issue)
    link = PlatformLink.objects.select_for_update().get(pk=link.pk)
    link.nonce = PlatformLink._meta.get_field("nonce").default()
    link.revoked_at = None
    link.revoked_by = None
    link.created_by = by
    link.created_at = timezone.now()
    link.expires_at = _expiry("RATING_LINK_DAYS")
    link.save(update_fields=["nonce", "revoked_at", "revoked_by", "created_by", "created_at", "expires_at"])
    return link


def _send_rating_link(link: PlatformLink, issue: Issue) -> None:
    address = (issue.platform.contact_email or "").strip()
    if not address:
        return
    notices_send([Notice(
        key=f"voice:rating-link:{link.pk}",
        kind=RATING_LINK,
        recipient_id=None,
        address=address,
        params={"issue": issue.title, "platform": issue.platform.name, "path": rating_url(link)},
        topic=topic("issue", issue.pk),
    )])


@transaction.atomic
def platform_rate(*, link: PlatformLink, rating: int, comment: str = "") -> Issue:
    """The platform's own rating of the closure its rating link names. The link is used up; a
    rating of 1 or 2 reopens the issue and tells its responsible cadre and their unit leader."""
    link = PlatformLink.objects.select_for_update().get(pk=link.pk)
    if link.refusal():
        raise ValidationError(_("This link can no longer be used."), code="used")
    issue = issue_rate(issue=link.issue, by=None, rating=rating, comment=comment, source="platform", link=link)
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    if issue.status not in Issue.CLOSED_STATUSES:
        _tell_low_rating(issue, rating=rating, comment=comment.strip(), closure=link.closure)
    return issue


def _tell_low_rating(issue: Issue, *, rating: int, comment: str, closure: int) -> None:
    assignment = Assignment.objects.active().filter(platform_id=issue.platform_id).select_related("cadre__unit").first()
    cadre = assignment.cadre if assignment else issue.recorded_by
    recipients = [cadre.user_id, cadre.unit.leader_id if cadre.unit_id else None]
    params = {"issue": issue.title, "platform": issue.platform.name, "rating": rating, "comment": comment}
    notices_send(
        Notice(
            key=f"voice:low-rating:{issue.pk}:{closure}:user:{user_id}",
            kind=LOW_RATING,
            recipient_id=user_id,
            params=params,
            topic=topic("issue", issue.pk),
        )
        for user_id in dict.fromkeys(recipients)
        if user_id is not None
    )
