"""The doors of the bulk import and export: the administration's pages (upload, preview, confirm),
the API, the Django admin's Import and Export, and who may use them."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liaison.bulk import KINDS
from liaison.models import Assignment
from liaison.resources import COLUMNS
from platforms.models import Platform
from tests.api_conformance import assert_conforms
from tests.liaison.factories import CadreFactory
from tests.platforms.factories import PlatformFactory

pytestmark = pytest.mark.django_db

HEADERS = ",".join(c.zh for c in COLUMNS["platforms"])


def platforms_csv(*names, level="省部级"):
    lines = [HEADERS] + [f"{name},{level},省重点实验室,中南大学,岳麓区,,,,,,,,2" for name in names]
    return SimpleUploadedFile("platforms.csv", ("\n".join(lines) + "\n").encode("utf-8-sig"), "text/csv")


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


PAGES = ["bulk_lists"] + [f"bulk_{what}_{kind}" for kind in KINDS for what in ("import", "template", "export")]


@pytest.mark.parametrize("name", PAGES + ["bulk_export_contacts"])
def test_only_admins_use_the_pages(client, name, cadre, unit_leader, bureau_user, admin_user):
    url = reverse(name)
    assert client.get(url).status_code == 302  # to sign in
    for user in (cadre.user, unit_leader, bureau_user):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_upload_preview_confirm(admin):
    PlatformFactory(name="已有平台")
    url = reverse("bulk_import_platforms")
    response = admin.post(url, {"file": platforms_csv("新平台一", "新平台二")})
    assert response.status_code == 200
    assert response.context["result"].counts == {"new": 2, "changed": 0, "unchanged": 0}
    token = response.context["token"]
    assert token and not Platform.objects.filter(name__startswith="新平台").exists()  # a preview keeps nothing

    assert admin.post(url, {"token": "not-a-token"}).status_code == 302
    assert not Platform.objects.filter(name__startswith="新平台").exists()

    assert admin.post(url, {"token": token}).status_code == 302
    assert set(Platform.objects.filter(batch=2).values_list("name", flat=True)) == {"新平台一", "新平台二"}
    # The token is spent: confirming twice imports nothing more.
    assert admin.post(url, {"token": token}).status_code == 302

    again = admin.post(url, {"file": platforms_csv("新平台一", "新平台二")})
    assert again.context["result"].counts == {"new": 0, "changed": 0, "unchanged": 2}
    assert not again.context["token"]


def test_a_bad_file_is_refused_with_its_rows_named(admin):
    response = admin.post(reverse("bulk_import_platforms"), {"file": platforms_csv("新平台一", "新平台二", level="县级")})
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["result"].errors] == [(2, "级别"), (3, "级别")]
    assert not response.context["token"]
    wrong_kind = SimpleUploadedFile("platforms.txt", b"x")
    assert admin.post(reverse("bulk_import_platforms"), {"file": wrong_kind}).context["form"].errors["file"]
    assert not Platform.objects.exists()


def test_the_template_has_the_chinese_headers_and_an_example(admin):
    response = admin.get(reverse("bulk_template_platforms"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.zh for c in COLUMNS["platforms"]] and len(rows) == 2
    upload = SimpleUploadedFile("template.xlsx", response.content)
    preview = admin.post(reverse("bulk_import_platforms"), {"file": upload})
    assert preview.context["result"].counts["new"] == 1


def test_export_reads_the_data_in_a_fixed_number_of_queries(admin, django_assert_max_num_queries):
    def export():
        with django_assert_max_num_queries(8):
            return admin.get(reverse("bulk_export_cadres") + "?file_format=csv")

    CadreFactory.create_batch(2)
    small = export().content.decode("utf-8-sig").splitlines()
    CadreFactory.create_batch(10)
    large = export().content.decode("utf-8-sig").splitlines()
    assert (len(small), len(large)) == (3, 13)
    assert admin.get(reverse("bulk_export_cadres") + "?file_format=pdf").status_code == 404


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_previews_imports_and_names_bad_rows(client_for, admin_user, cadre):
    url = reverse("api-import-platforms")
    api = client_for(admin_user)
    preview = api.post(url, {"file": platforms_csv("新平台一")}, format="multipart")
    assert preview.status_code == 200
    assert preview.json()["counts"] == {"new": 1, "changed": 0, "unchanged": 0} and not Platform.objects.exists()

    bad = api.post(url, {"file": platforms_csv("新平台一", "新平台一"), "dry_run": "false"}, format="multipart")
    assert bad.status_code == 400
    assert [(e["row"], e["column"]) for e in bad.json()["errors"]] == [(3, "平台名称")]
    assert not Platform.objects.exists()

    done = api.post(url, {"file": platforms_csv("新平台一"), "dry_run": "false"}, format="multipart")
    assert done.status_code == 200 and done.json()["applied"]
    assert Platform.objects.filter(name="新平台一").exists()

    assert api.post(url, {"file": SimpleUploadedFile("x.pdf", b"x")}, format="multipart").status_code == 400
    api.force_login(cadre.user)
    assert api.post(url, {"file": platforms_csv("新平台二")}, format="multipart").status_code == 403


def test_the_apis_refusals_conform_to_the_schema(client_for, admin_user):
    # Found by .ci/schemathesis.sh: the schema gave a 400 only the bad rows' shape, and an upload
    # refused before any row is read (no file, a bad dry_run) answers its field errors.
    url = reverse("api-import-platforms")
    api = client_for(admin_user)
    no_file = api.post(url, {"dry_run": "maybe"}, format="multipart")
    bad_rows = api.post(url, {"file": platforms_csv("新平台一", "新平台一")}, format="multipart")

    assert no_file.status_code == 400 and set(no_file.json()) == {"file", "dry_run"}
    assert bad_rows.status_code == 400 and bad_rows.json()["errors"]
    for refused in (no_file, bad_rows):
        assert_conforms(api, refused, method="POST", path="/api/v1/import/platforms/")


def test_the_api_imports_assignments_through_the_services(client_for, admin_user, cadre):
    PlatformFactory(name="平台甲")
    PlatformFactory(name="平台乙")
    lines = ["平台名称,干部账号,开始日期", f"平台甲,{cadre.user.username},", f"平台乙,{cadre.user.username},"]
    upload = SimpleUploadedFile("a.csv", "\n".join(lines).encode(), "text/csv")
    response = client_for(admin_user).post(reverse("api-import-assignments"), {"file": upload, "dry_run": "false"},
                                           format="multipart")
    assert response.status_code == 200, response.json()
    assert set(Assignment.objects.active().filter(cadre=cadre).values_list("platform__name", flat=True)) == {
        "平台甲", "平台乙"}


# --- the Django admin -------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["liaison_unit", "liaison_cadre", "platforms_platform", "liaison_assignment"])
def test_the_admin_changelists_offer_import_and_export(admin, model):
    page = admin.get(reverse(f"admin:{model}_changelist")).content.decode()
    assert reverse(f"admin:{model}_export") in page
    assert 'class="bulk-import"' in page


def test_the_admin_export_applies_the_changelist_filters(admin):
    PlatformFactory.create_batch(2, level=Platform.Level.NATIONAL)
    PlatformFactory.create_batch(3, level=Platform.Level.MUNICIPAL)
    response = admin.get(reverse("admin:platforms_platform_export") + "?level__exact=national&file_format=csv")
    assert response.status_code == 200
    assert len(response.content.decode("utf-8-sig").splitlines()) == 1 + 2


def test_the_admin_adds_a_platform_through_the_service(admin):
    data = {"name": "后台新增平台", "level": "national", "category": "national_lab", "host_institution": "中南大学",
            "district": "岳麓区", "batch": 1, "assignments-TOTAL_FORMS": 0, "assignments-INITIAL_FORMS": 0}
    response = admin.post(reverse("admin:platforms_platform_add"), data)
    assert response.status_code == 302
    assert Platform.objects.get(name="后台新增平台").history.count() == 1
