"""The Chinese catalogue is complete, and the compiled .mo that Django reads matches the .po."""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def po_entries(path: Path):
    """(flags, msgctxt, msgid, msgid_plural, [msgstr...]) for each entry of a .po file."""
    entries, entry, field = [], None, None

    def finish():
        if entry is not None:
            entries.append(entry)

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            finish()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += value
            else:
                entry[field] = (entry[field] or "") + value
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if keyword.startswith("msgstr["):
                field = ("msgstr", int(keyword[7:-1]))
                entry["msgstr"][field[1]] = value
            elif keyword == "msgstr":
                field = ("msgstr", 0)
                entry["msgstr"][0] = value
            else:
                field = keyword
                entry[keyword] = value
    finish()
    return [e for e in entries if e["msgid"]]  # the header has an empty msgid


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = po_entries(PO)
    assert len(entries) > 500
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_matches_the_po_file():
    """Forgetting to compile after editing the .po would show English on the pages."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries(PO):
        msgid = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if entry["msgid_plural"] is None:
            assert compiled._catalog.get(msgid) == entry["msgstr"][0], entry["msgid"]
        else:
            assert compiled._catalog.get((msgid, 0)) == entry["msgstr"][0], entry["msgid"]


@pytest.mark.django_db
def test_a_page_reads_in_chinese_by_default():
    page = Client().get(reverse("login")).content.decode()
    assert "联点服务系统" in page and "登录" in page
