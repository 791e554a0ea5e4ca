"""One list as an Excel workbook (openpyxl): what every list's "Export to Excel" answers.

The header row is frozen, columns get the widths given, dates and times are shown as dates and
times (Excel's formats, so they sort and filter), and the file is named after the list and today.
"""

import datetime
from collections.abc import Iterable, Sequence
from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def worksheet_value(value):
    """``value`` as a worksheet cell may hold it: text loses the control characters a workbook
    cannot store (openpyxl refuses them), which a name or title typed or pasted may carry."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def xlsx_response(rows: Iterable[Sequence], *, title: str, widths: Sequence[int], name: str) -> HttpResponse:
    """``rows`` (the header first) as a one-sheet workbook titled ``title``, downloaded as
    ``<name>-<today>.xlsx``."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit
    for row in rows:
        sheet.append([worksheet_value(value) for value in row])
    sheet.freeze_panes = "B2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    out = BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.xlsx"'
    return response
