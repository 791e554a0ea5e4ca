"""The texts of the issues room's notices and of the timeline notes the portal writes itself, in the
reader's language.

A notice stores its ``kind`` and the JSON ``params`` its text is made of (``notices``); a timeline
entry the system wrote stores a ``message`` key and ``message_params``. The text is rendered when
it is read, in the language active then: the inbox and the issue page in the reader's language,
the API in the language the client asked for, an e-mail in its recipient's chosen language. The
kinds are registered with the notification machinery by ``register`` (``IssuesConfig.ready``),
which also registers what the notices can be about: an issue, a dispatch report.

The sweeps render thousands of rows: each template is translated once per language and variant
(cached), and each row only fills it in.
"""

import logging
from collections.abc import Callable
from functools import lru_cache

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext, pgettext

from liaison.access import roles_of
from notices import registry
from notices.registry import Text

from . import reports
from .access import issues_visible_to
from .models import DispatchReport, EscalationLevel, Issue, PlatformNeed

logger = logging.getLogger(__name__)


class Kind:
    """The kinds of notice the issues room sends (their labels: ``register``)."""

    ISSUE_REMINDER = "issue_reminder"
    ISSUE_ESCALATION = "issue_escalation"
    DISPATCH_REPORT = "dispatch_report"
    ISSUE_HANDED_OVER = "issue_handed_over"
    EXTENSION_DECIDED = "extension_decided"
    PLATFORM_TRANSFERRED = "platform_transferred"
    #: A leaving cadre's hand-over: one notice per successor, listing every platform they received.
    PLATFORMS_HANDED_OVER = "platforms_handed_over"
    SUPERVISION_OPENED = "supervision_opened"
    SUPERVISION_RENEWED = "supervision_renewed"
    SUPERVISION_REPLIED = "supervision_replied"
    SUPERVISION_ESCALATION = "supervision_escalation"
    #: A need a platform raised, not classified: its cadre on the classify-by day, their leader after.
    NEED_REMINDER = "need_reminder"
    NEED_ESCALATION = "need_escalation"


#: The longest list of issues a transfer notice spells out; the rest are counted.
TRANSFER_ISSUES_LISTED = 20


def _language() -> str:
    return translation.get_language() or ""


def _names(names: list[str]) -> str:
    return pgettext("list separator", ", ").join(names)


# --- the deadline sweep ------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _reminder_templates(language: str, left: int) -> tuple[str, str]:
    if left == 0:
        subject = _("Due today: issue #%(id)d %(title)s")
        when = _("It is due today, %(due)s.")
    else:
        subject = ngettext(
            "Due in %(days)d working day (%(due)s): issue #%(id)d %(title)s",
            "Due in %(days)d working days (%(due)s): issue #%(id)d %(title)s",
            left,
        )
        when = ngettext("It is due on %(due)s, in %(days)d working day.",
                        "It is due on %(due)s, in %(days)d working days.", left)
    body = "\n".join([
        _("Issue #%(id)d, %(title)s, raised by %(platform)s (class %(class)s)."),
        when,
        _("Stop the clock in time: resolve it or record the solution determined, or ask bureau staff for an "
          "extension. Once overdue it is escalated to your unit's leader.").replace("%", "%%"),
    ])
    return subject, body


def _reminder(params: dict) -> Text:
    """``params``: id, title, platform, class, due, days (working days left; 0 on the due day)."""
    subject, body = _reminder_templates(_language(), params["days"])
    return Text(subject % params, body % params)


@lru_cache(maxsize=256)
def _escalation_templates(language: str, level: int, overdue: int) -> tuple[str, str]:
    if level == EscalationLevel.UNIT_LEADER:
        subject = _("Overdue, escalated to you as unit leader: issue #%(id)d %(title)s")
        why = _("It is escalated to you as the leader of %(unit)s.")
    else:
        subject = _("Overdue, escalated to the office: issue #%(id)d %(title)s")
        why = _("It is escalated to the city committee's office for supervision.").replace("%", "%%")
    body = "\n".join([
        _("Issue #%(id)d, %(title)s, raised by %(platform)s (class %(class)s), is the responsibility of "
          "%(cadre)s (%(unit)s)."),
        ngettext("It was due on %(due)s and is %(days)d working day overdue.",
                 "It was due on %(due)s and is %(days)d working days overdue.", overdue),
        why,
    ])
    return subject, body


def _escalation(params: dict) -> Text:
    """``params``: those of a reminder (``days`` overdue), and level, cadre, unit."""
    subject, body = _escalation_templates(_language(), params["level"], params["days"])
    return Text(subject % params, body % params)


def _dispatch_report(params: dict) -> Text:
    """``params``: ``reports.report_text_figures`` of the report's figures."""
    return Text(reports.report_subject(params), reports.report_body(params))


# --- what people did ---------------------------------------------------------------------------


def _handed_over(params: dict) -> Text:
    """``params``: id, title, platform, class, due, by, unit (the recipient's unit), lead_unit,
    cooperating_units (names), role ("lead" or "cooperating"), note (as typed, may be empty)."""
    if params["role"] == "lead":
        subject = _("Handed over to %(unit)s to lead: issue #%(id)d %(title)s") % params
        duty = _("As the leader of %(unit)s, the lead unit, see that it is resolved or a solution determined "
                 "by %(due)s.") % params
    else:
        subject = _("Handed over to %(unit)s to cooperate: issue #%(id)d %(title)s") % params
        duty = _("As the leader of %(unit)s, a cooperating unit, support the lead unit, %(lead_unit)s, in "
                 "solving it by %(due)s.") % params
    lines = [
        _("Issue #%(id)d, %(title)s, raised by %(platform)s (class %(class)s), was handed over by %(by)s.")
        % params,
        _("Lead unit: %(unit)s.") % {"unit": params["lead_unit"]},
    ]
    if params["cooperating_units"]:
        lines.append(_("Cooperating units: %(units)s.") % {"units": _names(params["cooperating_units"])})
    lines.append(duty)
    if params["note"]:
        lines.append(_("Note: %(note)s") % params)
    return Text(subject, "\n".join(lines))


def _extension_decided(params: dict) -> Text:
    """``params``: id, title, approved (bool), due (the due date in force after the decision), by, note."""
    if params["approved"]:
        subject = _("Extension approved: issue #%(id)d %(title)s is now due on %(due)s") % params
        lines = [_("%(by)s approved your extension request for issue #%(id)d, %(title)s. It is now due on "
                   "%(due)s.") % params]
        if params["note"]:
            lines.append(_("Note: %(note)s") % params)
    else:
        subject = _("Extension refused: issue #%(id)d %(title)s") % params
        lines = [
            _("%(by)s refused your extension request for issue #%(id)d, %(title)s. It is still due on %(due)s.")
            % params,
            _("Reason: %(note)s") % params,
        ]
    return Text(subject, "\n".join(lines))


def _contact_duties_line(params: dict) -> str:
    """The new cadre's contact duties; ``params``: start, days, first_contact_by, month_end (the day
    the first visit is due by: the end of the start month, or of the next after a late start)."""
    if params["month_end"][:7] == params["start"][:7]:
        template = ngettext(
            "Your contact duties: a first contact by %(first_contact_by)s (within %(days)d day), a first visit "
            "on site by the end of the month (%(month_end)s), then a contact at least once every quarter.",
            "Your contact duties: a first contact by %(first_contact_by)s (within %(days)d days), a first visit "
            "on site by the end of the month (%(month_end)s), then a contact at least once every quarter.",
            params["days"],
        )
    else:
        template = ngettext(
            "Your contact duties: a first contact by %(first_contact_by)s (within %(days)d day), a first visit "
            "on site by the end of the next month (%(month_end)s), then a contact at least once every quarter.",
            "Your contact duties: a first contact by %(first_contact_by)s (within %(days)d days), a first visit "
            "on site by the end of the next month (%(month_end)s), then a contact at least once every quarter.",
            params["days"],
        )
    return template % params


def _issue_lines(issues: list, *, more_where: str) -> list[str]:
    """``issues``: [id, title, class, due]; at most ``TRANSFER_ISSUES_LISTED`` are spelled out."""
    lines = [
        "- " + _("#%(id)d %(title)s (class %(class)s, due on %(due)s)")
        % {"id": issue_id, "title": title, "class": issue_class, "due": due}
        for issue_id, title, issue_class, due in issues[:TRANSFER_ISSUES_LISTED]
    ]
    if len(issues) > TRANSFER_ISSUES_LISTED:
        more = len(issues) - TRANSFER_ISSUES_LISTED
        lines.append(more_where % {"count": more})
    return lines


def _platform_transferred(params: dict) -> Text:
    """``params``: platform, from_cadre, start, reason, days (the first-contact limit), first_contact_by,
    month_end, and issues: [id, title, class, due] of the platform's open issues."""
    lines = [_("%(platform)s was transferred to you from %(from_cadre)s on %(start)s.") % params]
    if params["reason"]:
        lines.append(_("Reason: %(note)s") % {"note": params["reason"]})
    lines.append(_contact_duties_line(params))
    issues = params["issues"]
    if issues:
        lines.append(ngettext(
            "Its %(count)d open issue is now yours to see through (first-inquiry responsibility):",
            "Its %(count)d open issues are now yours to see through (first-inquiry responsibility):",
            len(issues),
        ) % {"count": len(issues)})
        more = len(issues) - TRANSFER_ISSUES_LISTED
        lines += _issue_lines(issues, more_where=ngettext("and %(count)d more: see the platform's page.",
                                                          "and %(count)d more: see the platform's page.", more))
    else:
        lines.append(_("It has no open issues."))
    return Text(_("You are now responsible for %(platform)s") % params, "\n".join(lines))


def _platforms_handed_over(params: dict) -> Text:
    """``params``: from_cadre (who left), start, reason, days, first_contact_by, month_end, and platforms:
    [platform id, platform name, issues: [id, title, class, due] of its open issues]."""
    platforms = params["platforms"]
    count = len(platforms)
    names = _names([name for _id, name, _issues in platforms])
    lines = [
        ngettext("%(from_cadre)s has left; %(count)d platform was handed over to you on %(start)s: %(names)s.",
                 "%(from_cadre)s has left; %(count)d platforms were handed over to you on %(start)s: %(names)s.",
                 count) % {**params, "count": count, "names": names},
    ]
    if params["reason"]:
        lines.append(_("Reason: %(note)s") % {"note": params["reason"]})
    lines.append(_contact_duties_line(params))
    for _id, name, issues in platforms:
        if issues:
            lines.append(ngettext(
                "%(platform)s: %(count)d open issue, now yours to see through (first-inquiry responsibility):",
                "%(platform)s: %(count)d open issues, now yours to see through (first-inquiry responsibility):",
                len(issues),
            ) % {"platform": name, "count": len(issues)})
            more = len(issues) - TRANSFER_ISSUES_LISTED
            lines += _issue_lines(issues, more_where=ngettext("and %(count)d more: see the platform's page.",
                                                              "and %(count)d more: see the platform's page.", more))
        else:
            lines.append(_("%(platform)s: no open issues.") % {"platform": name})
    subject = ngettext("You are now responsible for %(count)d platform of %(from_cadre)s",
                       "You are now responsible for %(count)d platforms of %(from_cadre)s",
                       count) % {**params, "count": count}
    return Text(subject, "\n".join(lines))


# --- supervision (督办) ------------------------------------------------------------------------------


def _supervision_opened(params: dict) -> Text:
    """``params``: id, title, platform, unit (responsible), by (who opened or renewed it), instruction,
    reply_by, days (working days to reply), provisional (bool), round (0 when opened; the renewal's
    number after)."""
    if params["round"]:
        subject = _("Supervision renewed: issue #%(id)d %(title)s, reply by %(reply_by)s") % params
        opening = _("%(by)s sent back the supervision of issue #%(id)d, %(title)s, raised by %(platform)s, "
                    "with a new instruction.") % params
    else:
        subject = _("Supervision: issue #%(id)d %(title)s, reply by %(reply_by)s") % params
        opening = _("%(by)s opened a supervision of issue #%(id)d, %(title)s, raised by %(platform)s.") % params
    lines = [
        opening,
        _("Instruction: %(instruction)s") % params,
        ngettext("%(unit)s replies in writing on the issue's page by %(reply_by)s (within %(days)d working day).",
                 "%(unit)s replies in writing on the issue's page by %(reply_by)s (within %(days)d working days).",
                 params["days"]) % params,
    ]
    if params["provisional"]:
        lines.append(_("The date is provisional: the calendar of a year it reaches is not loaded yet."))
    lines.append(_("Once past that date without a reply, it is escalated to the office's leader."))
    return Text(subject, "\n".join(lines))


def _supervision_replied(params: dict) -> Text:
    """``params``: id, title, platform, unit, by (who replied), reply (as typed), reply_by, on_time (bool)."""
    subject = _("Supervision replied: issue #%(id)d %(title)s") % params
    if params["on_time"]:
        when = _("%(by)s replied for %(unit)s, by the reply-by date %(reply_by)s.") % params
    else:
        when = _("%(by)s replied for %(unit)s, after the reply-by date %(reply_by)s.") % params
    lines = [
        _("Your supervision of issue #%(id)d, %(title)s, raised by %(platform)s, has a reply.") % params,
        when,
        _("Reply: %(reply)s") % params,
        _("Close the supervision, or renew it with a new instruction."),
    ]
    return Text(subject, "\n".join(lines))


def _supervision_escalation(params: dict) -> Text:
    """``params``: id, title, platform, unit, opened_by, opened_on, instruction, reply_by, days (working
    days overdue)."""
    subject = _("Supervision overdue, escalated to you: issue #%(id)d %(title)s") % params
    lines = [
        _("%(opened_by)s opened a supervision of issue #%(id)d, %(title)s, raised by %(platform)s, on "
          "%(opened_on)s.") % params,
        _("Instruction: %(instruction)s") % params,
        ngettext("%(unit)s was to reply by %(reply_by)s and has not: %(days)d working day overdue.",
                 "%(unit)s was to reply by %(reply_by)s and has not: %(days)d working days overdue.",
                 params["days"]) % params,
        _("It is escalated to you as the leader of the city committee's office."),
    ]
    return Text(subject, "\n".join(lines))


# --- a platform's needs (issues.needs) ---------------------------------------------------------------


def _need_lines(params: dict) -> list[str]:
    labels = {
        "source": str(dict(PlatformNeed.Source.choices).get(params["source"], params["source"])),
        "urgency": str(dict(PlatformNeed.Urgency.choices).get(params["urgency"], params["urgency"])),
    }
    return [
        _("%(platform)s raised a need on %(received_on)s (%(source)s):") % {**params, **labels},
        params["what"],
        _("Urgency: %(urgency)s. Call back: %(callback)s.") % {**params, **labels},
    ]


def _need_reminder(params: dict) -> Text:
    """``params``: id, platform, what, received_on, classify_by, source and urgency (codes),
    callback (name and phone)."""
    subject = _("Classify by %(classify_by)s: a need raised by %(platform)s") % params
    lines = _need_lines(params) + [_("Classify it (A to D) by %(classify_by)s; tomorrow it goes to your unit's leader.")
                                   % params]
    return Text(subject, "\n".join(lines))


def _need_escalation(params: dict) -> Text:
    """``params``: those of the reminder, and cadre, unit."""
    subject = _("Not classified in time, escalated to you: a need raised by %(platform)s") % params
    lines = _need_lines(params) + [
        _("%(cadre)s (%(unit)s) was to classify it by %(classify_by)s and has not. As the unit's leader, see "
          "that it is classified, or classify it yourself.") % params
    ]
    return Text(subject, "\n".join(lines))


def notification_text(kind: str, params: dict) -> Text | None:
    """The subject and body of a notice of ``kind`` made of ``params``, in the active language."""
    return registry.render(kind, params)


def register() -> None:
    """Declare the issues room's kinds of notice and topics to the notification machinery."""
    for code, label, render in (
        (Kind.ISSUE_REMINDER, gettext_lazy("Issue due soon"), _reminder),
        (Kind.ISSUE_ESCALATION, gettext_lazy("Issue overdue: escalated"), _escalation),
        (Kind.DISPATCH_REPORT, gettext_lazy("Periodic dispatch report"), _dispatch_report),
        (Kind.ISSUE_HANDED_OVER, gettext_lazy("Issue handed over to your unit"), _handed_over),
        (Kind.EXTENSION_DECIDED, gettext_lazy("Extension request decided"), _extension_decided),
        (Kind.PLATFORM_TRANSFERRED, gettext_lazy("Platform transferred to you"), _platform_transferred),
        (Kind.PLATFORMS_HANDED_OVER, gettext_lazy("A leaving cadre's platforms handed over to you"),
         _platforms_handed_over),
        (Kind.SUPERVISION_OPENED, gettext_lazy("Supervision of an issue"), _supervision_opened),
        (Kind.SUPERVISION_RENEWED, gettext_lazy("Supervision renewed"), _supervision_opened),
        (Kind.SUPERVISION_REPLIED, gettext_lazy("Supervision replied"), _supervision_replied),
        (Kind.SUPERVISION_ESCALATION, gettext_lazy("Supervision overdue: escalated"), _supervision_escalation),
        (Kind.NEED_REMINDER, gettext_lazy("A platform's need to classify"), _need_reminder),
        (Kind.NEED_ESCALATION, gettext_lazy("A platform's need not classified: escalated"), _need_escalation),
    ):
        registry.register_kind(code, label, render)
    registry.register_topic(registry.Topic(
        name="issue",
        url=lambda pk: reverse("issues:detail", args=[pk]),
        labels=_issue_titles,
        openable=_issues_openable,
        open_label=gettext_lazy("Open the issue"),
        closed_label=gettext_lazy("You can no longer open this issue."),
    ))
    # A report's page is the evaluation room's (to the right of this one: named, not imported).
    registry.register_topic(registry.Topic(
        name="report",
        url=lambda pk: reverse("evaluation:report_detail", args=[pk]),
        labels=_report_labels,
        openable=_reports_openable,
        open_label=gettext_lazy("Open the report"),
        closed_label=gettext_lazy("You can no longer open the dispatch reports."),
        attachments=_report_files,
    ))


def _issue_titles(ids: set[int]) -> dict[int, str]:
    return dict(Issue.objects.filter(pk__in=ids).values_list("pk", "title"))


def _issues_openable(user, ids: set[int]) -> set[int]:
    return set(issues_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _report_labels(ids: set[int]) -> dict[int, str]:
    """Each report's period, as ``DispatchReport`` prints it."""
    rows = DispatchReport.objects.filter(pk__in=ids).values_list("pk", "period_start", "period_end")
    return {pk: f"{start.isoformat()} – {end.isoformat()}" for pk, start, end in rows}


def _reports_openable(user, ids: set[int]) -> set[int]:
    """Every report covers every unit: only those who see everything open one."""
    if not roles_of(user).sees_everything:
        return set()
    return set(DispatchReport.objects.filter(pk__in=ids).values_list("pk", flat=True))


def _report_files(report_id: int) -> list[tuple[str, bytes, str]]:
    report = DispatchReport.objects.filter(pk=report_id).first()
    if report is None:
        return []
    return [(report.filename, bytes(report.xlsx), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]


# --- timeline notes --------------------------------------------------------------------------------


class EventMessage:
    """The keys of the timeline notes the portal writes itself (``IssueEvent.message``)."""

    REMINDER_SENT = "reminder_sent"
    ESCALATED_TO_LEADER = "escalated_to_leader"
    ESCALATED_TO_OFFICE = "escalated_to_office"
    CALENDAR_CHANGED = "calendar_changed"
    REOPENED_BY_RATING = "reopened_by_rating"
    SUPERVISION_ESCALATED = "supervision_escalated"
    #: The ``created`` entry of an issue that began as a platform's need (``issues.needs``).
    RAISED_AS_NEED = "raised_as_need"


@lru_cache(maxsize=8)
def event_note_templates(language: str) -> tuple[str, str, str, str]:
    """The reminder and escalation notes' templates in ``language`` (the active one): reminded,
    escalated to the leader, escalated to the office, and the word for nobody."""
    return (
        _("Reminder sent to %(name)s."),
        _("Escalated to the leader of %(unit)s: %(names)s"),
        _("Escalated to the office: %(names)s"),
        _("nobody (no leader or office member is set)"),
    )


def _reminder_sent(params: dict) -> str:
    """``params``: name."""
    return event_note_templates(_language())[0] % params


def _escalated(params: dict, *, to_leader: bool) -> str:
    """``params``: unit (for the leader), names (of those told; empty when nobody was)."""
    _reminded, leader, office, nobody = event_note_templates(_language())
    names = _names(params["names"]) or nobody
    return (leader if to_leader else office) % {"unit": params.get("unit", ""), "names": names}


def _calendar_changed(params: dict) -> str:
    """``params``: days (entered, at most 10 listed), more_days (bool), removed, years_loaded, years_unloaded."""
    parts = []
    if params["days"]:
        parts.append(_("days entered: %(days)s") % {"days": ", ".join(params["days"])}
                     + ("…" if params["more_days"] else ""))
    if params["removed"]:
        parts.append(_("entries removed: %(days)s") % {"days": ", ".join(params["removed"])})
    if params["years_loaded"]:
        parts.append(_("years marked loaded: %(years)s") % {"years": ", ".join(map(str, params["years_loaded"]))})
    if params["years_unloaded"]:
        parts.append(
            _("years marked not loaded: %(years)s") % {"years": ", ".join(map(str, params["years_unloaded"]))}
        )
    return _("Working-day calendar changed (%(what)s).") % {"what": "; ".join(parts)}


def _reopened_by_rating(params: dict) -> str:
    """``params``: rating (1 or 2), comment (the platform's words, kept as written)."""
    return _("The platform rated the result %(rating)d of 5: %(comment)s") % params


def _supervision_escalated(params: dict) -> str:
    """``params``: reply_by, days (working days overdue), names (of those told; empty when nobody was)."""
    _reminded, _leader, _office, nobody = event_note_templates(_language())
    names = _names(params["names"]) or nobody
    return ngettext(
        "No reply by %(reply_by)s (%(days)d working day overdue): escalated to the office's leader: %(names)s",
        "No reply by %(reply_by)s (%(days)d working days overdue): escalated to the office's leader: %(names)s",
        params["days"],
    ) % {**params, "names": names}


def _raised_as_need(params: dict) -> str:
    """``params``: source ("platform" or "cadre"), received_on, classified_by (a name)."""
    if params["source"] == "platform":
        text = _("Raised by the platform itself through its link on %(received_on)s; classified by %(classified_by)s.")
    else:
        text = _("Raised by the platform, entered by its cadre on its behalf on %(received_on)s; classified by "
                 "%(classified_by)s.")
    return text % params


_EVENT_MESSAGES: dict[str, Callable[[dict], str]] = {
    EventMessage.REMINDER_SENT: _reminder_sent,
    EventMessage.ESCALATED_TO_LEADER: lambda params: _escalated(params, to_leader=True),
    EventMessage.ESCALATED_TO_OFFICE: lambda params: _escalated(params, to_leader=False),
    EventMessage.CALENDAR_CHANGED: _calendar_changed,
    EventMessage.REOPENED_BY_RATING: _reopened_by_rating,
    EventMessage.SUPERVISION_ESCALATED: _supervision_escalated,
    EventMessage.RAISED_AS_NEED: _raised_as_need,
}


def event_message_text(message: str, params: dict) -> str | None:
    """The timeline note ``message`` made of ``params``, in the active language (None: unknown key)."""
    render = _EVENT_MESSAGES.get(message)
    return None if render is None else render(params)


def event_note(event) -> str:
    """What an ``IssueEvent``'s note says, in the active language: rendered from its message key
    when the system wrote it, else the note as stored (typed by a person, or an older entry).

    An entry whose parameters do not fit its message (written before the message took a new
    parameter, or by a loader that left them out) shows its stored note: one old entry must not
    make an issue's whole timeline answer 500."""
    if event.message:
        try:
            rendered = event_message_text(event.message, event.message_params or {})
        except (KeyError, TypeError, ValueError):
            logger.warning("issue event %s: its parameters do not fit the message %r; showing its stored note",
                           event.pk, event.message)
            rendered = None
        if rendered is not None:
            return rendered
    return event.note
