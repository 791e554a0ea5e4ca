"""The API's import of the scheme's lists (admins only): one endpoint per kind, a multipart upload.

``dry_run`` (the default) previews; ``dry_run=false`` imports, all or nothing. 200 with the counts
and the new and changed rows; 400 with every bad row as ``{row, column, message}`` (nothing changed).
"""

import functools

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework import permissions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from notices.idempotency import idempotent

from . import bulk
from .access import roles_of


class IsPortalAdmin(permissions.BasePermission):
    message = _("Only an administrator may import lists.")

    def has_permission(self, request, view):
        return roles_of(request.user).is_admin


class ListUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("An .xlsx or .csv file with the template's columns."))
    dry_run = serializers.BooleanField(
        default=True, help_text=_("Preview only (the default); false imports the file, all or nothing.")
    )

    def validate_file(self, upload):
        self.file_format = bulk.format_of(upload.name)
        if upload.size > bulk.MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than %(size)d MB: split it.") % {"size": bulk.MAX_UPLOAD_BYTES // 2**20}
            )
        return upload


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The row's number in the file; the header is row 1."))
    column = serializers.CharField(help_text=_("The column's header; empty for the whole row."))
    message = serializers.CharField()


class RowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[bulk.NEW, bulk.CHANGED, bulk.UNCHANGED])
    label = serializers.CharField()
    changes = serializers.ListField(child=serializers.CharField())


class CountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField(help_text=_("Whether the database was changed."))
    counts = CountsSerializer()
    rows = RowResultSerializer(many=True)
    errors = RowErrorSerializer(many=True)


class UploadRefusedSerializer(serializers.Serializer):
    """The upload itself refused, before any row is read (no file, too large, a bad ``dry_run``):
    the messages per field."""

    file = serializers.ListField(child=serializers.CharField(), required=False)
    dry_run = serializers.ListField(child=serializers.CharField(), required=False)


#: A 400 is the bad rows (nothing imported) or the upload refused.
IMPORT_REFUSED = PolymorphicProxySerializer(
    component_name="ImportRefused", serializers=[ImportResultSerializer, UploadRefusedSerializer],
    resource_type_field_name=None,
)


class ListImportView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsPortalAdmin]
    parser_classes = [MultiPartParser, FormParser]
    kind = ""

    @idempotent
    def post(self, request):
        serializer = ListUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = bulk.import_file(
            kind=self.kind,
            content=data["file"].read(),
            file_format=serializer.file_format,
            dry_run=data["dry_run"],
            by=request.user,
        )
        return Response(result.as_dict(), status=400 if result.errors else 200)


def _view(kind: str):
    documented = extend_schema(
        operation_id=f"import_{kind}",
        tags=["import"],
        summary=f"Import {kind}",
        description=_("Preview (dry_run, the default) or import a list, all or nothing. 400 names every bad row."),
        request={"multipart/form-data": ListUploadSerializer},
        responses={200: ImportResultSerializer, 400: IMPORT_REFUSED},
        examples=[OpenApiExample(
            "A bad row", status_codes=["400"], response_only=True,
            value={"kind": kind, "dry_run": True, "applied": False, "counts": {"new": 1, "changed": 0, "unchanged": 0},
                   "rows": [], "errors": [{"row": 3, "column": "级别", "message": "Unknown value “县级”"}]},
        )],
    )
    @functools.wraps(ListImportView.post)  # keeps its openapi_parameters: the Idempotency-Key header
    def post(self, request):
        return ListImportView.post(self, request)

    # Each kind's own ``post``: the schema annotation sits on the function, which must not be shared.
    view_class = type(f"{kind.title()}ImportView", (ListImportView,), {"kind": kind, "post": documented(post)})
    return view_class.as_view()


urlpatterns = [path(f"import/{kind}/", _view(kind), name=f"api-import-{kind}") for kind in bulk.KINDS]
