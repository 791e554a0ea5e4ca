"""The administration's pages for the scheme's lists: import (upload, preview, confirm), the
template of each kind, and export. Admins only; the work is ``liaison.bulk``'s.

Each kind has its own fixed routes (no parameter in the path), named ``bulk_import_<kind>``,
``bulk_template_<kind>`` and ``bulk_export_<kind>``; ``bulk_lists`` links them all.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from . import bulk
from .access import role_required
from .admin_forms import ListUploadForm

LABELS = {
    "units": _("Units"),
    "cadres": _("Cadres"),
    "platforms": _("Platforms"),
    "assignments": _("Assignments"),
    "contacts": _("Contacts"),
}


def file_response(content: bytes, *, file_format: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=bulk.CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@role_required("admin")
def lists_home(request):
    kinds = [{"kind": kind, "label": LABELS[kind], "importable": kind in bulk.KINDS} for kind in bulk.EXPORT_KINDS]
    return render(request, "liaison/bulk/home.html", {"kinds": kinds})


@role_required("admin")
def import_page(request, *, kind):
    """Upload a file: its preview (new, changed, unchanged rows and every bad row); then confirm."""
    result, token, name = None, "", ""
    form = ListUploadForm()
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        stashed = bulk.stashed_upload(request.session, token=token, kind=kind)
        if stashed is None:
            messages.error(request, gettext("That upload has expired or was already imported: upload the file again."))
            return redirect(f"bulk_import_{kind}")
        content, file_format, name = stashed
        result = bulk.import_file(kind=kind, content=content, file_format=file_format, dry_run=False, by=request.user)
        if result.applied:
            bulk.drop_upload(request.session, token=token)
            counts = result.counts
            messages.success(
                request,
                gettext("%(file)s imported: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.")
                % {"file": name, **counts},
            )
            return redirect(f"bulk_import_{kind}")
    elif request.method == "POST":
        form = ListUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content, name = upload.read(), upload.name
            try:
                result = bulk.import_file(kind=kind, content=content, file_format=form.file_format, dry_run=True)
            except ValidationError as error:
                form.add_error("file", error.message_dict.get("file", error.messages))
            else:
                if result.ok and result.changed_anything:
                    token = bulk.stash_upload(
                        request.session, kind=kind, file_format=form.file_format, name=name, content=content
                    )
    context = {
        "kind": kind,
        "label": LABELS[kind],
        "form": form,
        "result": result,
        "token": token,
        "file_name": name,
        "shown_rows": [r for r in result.rows if r.status != bulk.UNCHANGED] if result else [],
    }
    return render(request, "liaison/bulk/import.html", context, status=400 if result and result.errors else 200)


@require_GET
@role_required("admin")
def template_file(request, *, kind):
    return file_response(
        bulk.template_bytes(kind=kind), file_format="xlsx", filename=bulk.file_name(kind=kind, file_format="xlsx",
                                                                                    template=True)
    )


@require_GET
@role_required("admin")
def export_file(request, *, kind):
    file_format = request.GET.get("file_format", "xlsx")
    if file_format not in bulk.FORMATS:
        raise Http404
    content = bulk.export_bytes(kind=kind, queryset=bulk.KIND_MODELS[kind].objects.all(), file_format=file_format)
    return file_response(content, file_format=file_format, filename=bulk.file_name(kind=kind, file_format=file_format))


urlpatterns = [path("", lists_home, name="bulk_lists")]
for _kind in bulk.KINDS:
    urlpatterns += [
        path(f"{_kind}/import/", import_page, {"kind": _kind}, name=f"bulk_import_{_kind}"),
        path(f"{_kind}/template/", template_file, {"kind": _kind}, name=f"bulk_template_{_kind}"),
    ]
for _kind in bulk.EXPORT_KINDS:
    urlpatterns.append(path(f"{_kind}/export/", export_file, {"kind": _kind}, name=f"bulk_export_{_kind}"))
