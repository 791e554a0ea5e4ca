"""How a value is kept in a timeline entry's before/after JSON, for every room that keeps one
(issues, achievements): dates as ISO strings, amounts as strings, records as their id and name."""

import datetime
from decimal import Decimal

from django.db.models import Model


def timeline_value(value):
    """``value`` as the timeline's JSON holds it."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, (list, tuple)):
        return [timeline_value(v) for v in value]
    return value
