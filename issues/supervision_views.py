"""The supervision list (督办) and its Excel export.

Staff see every supervision, and, as rows of their own at the top, the open issues the deadline
sweep escalated to the office that have no supervision yet (with a link to open one). A unit
leader sees their units' supervisions, a cadre those of their own issues
(``issues.access.supervisions_visible_to``). The actions on a supervision are on its issue's page
(``issues.views.ACTIONS``, ``templates/issues/partials/supervision.html``).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from config.exports import xlsx_response
from liaison.access import roles_of

from .forms import SupervisionFilterForm
from .supervision import SupervisionRow, supervision_rows

#: Rows per page of the list.
PAGE_SIZE = 20


def _may_export(roles) -> bool:
    """The export is for bureau staff (and the office) and unit leaders, as the other lists'."""
    return roles.sees_everything or roles.is_unit_leader


def _rows(request):
    roles = roles_of(request.user)
    if roles.primary is None:
        raise PermissionDenied
    filters = SupervisionFilterForm(request.GET, roles=roles)
    return roles, filters, supervision_rows(user=request.user, today=timezone.localdate(), **filters.values)


@login_required
def supervision_list_view(request):
    roles, filters, rows = _rows(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "issues/supervision_list.html", {
        "filters": filters,
        "page": page,
        "rows": page.object_list,
        "today": rows.today,
        "can_export": _may_export(roles),
        "can_supervise": roles.supervises,
    })


def _sheet_rows(rows):
    yield [
        _("Supervision No."), _("Issue No."), _("Issue"), _("Platform"), _("Responsible unit"), _("Responsible cadre"),
        _("Status"), _("Overdue"), _("Opened at"), _("Opened by"), _("Instruction"), _("Reply by"),
        _("Times renewed"), _("Escalated to the office's leader at"), _("Reply"), _("Replied by"), _("Replied at"),
        _("Closed at"), _("Closing note"),
    ]

    def local(moment):
        return timezone.localtime(moment).replace(tzinfo=None) if moment else None

    for row in rows:
        row: SupervisionRow
        s, issue = row.supervision, row.issue
        if s is None:
            yield [None, issue.pk, issue.title, issue.platform.name, issue.responsible_unit_name,
                   issue.responsible_cadre_name, _("Escalated to the office, no supervision yet"), "", None, "", "",
                   None, None, None, "", "", None, None, ""]
            continue
        yield [
            s.pk, issue.pk, issue.title, issue.platform.name, s.unit.name, s.responsible_cadre_name,
            s.get_status_display(), _("yes") if row.overdue else _("no"), local(s.opened_at), s.opened_by_name,
            s.instruction, s.reply_by, s.renew_count, local(s.escalated_at), s.reply, s.replied_by_name,
            local(s.replied_at), local(s.closed_at), s.close_note,
        ]


@login_required
def supervision_export(request):
    """The filtered supervision list as an Excel workbook."""
    roles, _filters, rows = _rows(request)
    if not _may_export(roles):
        raise PermissionDenied(_("The export is for bureau staff and unit leaders."))
    return xlsx_response(
        _sheet_rows(rows), title=_("Supervisions"), name="supervisions",
        widths=[8, 8, 36, 30, 16, 10, 12, 8, 17, 10, 50, 12, 8, 17, 50, 10, 17, 17, 30],
    )
