"""How a dispatch report's table cell reads on its page: as the workbook shows it."""

from decimal import Decimal

from django import template

from issues.reports import Rate

register = template.Library()


@register.filter
def report_cell(value) -> str:
    """A ``ReportTable`` cell: an empty cell as a dash, a ``Rate`` as a percentage with one
    decimal and an amount with two (the workbook's number formats), anything else as it is."""
    if value is None:
        return "—"
    if isinstance(value, Rate):
        return f"{value:.1%}"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)
