"""What the rooms declare to the notification machinery, from their ``AppConfig.ready``.

- A **kind** of notice (``register_kind``): its code, its label, and how its subject and body are
  rendered from the notice's params in the active language. A notice stores its kind and params,
  so each reader reads it in their own language.
- A **topic** (``register_topic``): a kind of record a notice can be about ("issue", "platform",
  "achievement"), with its page, the names shown in the inbox, which of them a reader may still
  open (the inbox never shows a link that would answer 404), and any files the e-mail carries.
- A **sweep** (``register_sweep``): a periodic job that sends notices, so that ``enforce`` and
  ``catch_up_sweeps`` (``notices.sweeps``) run every room's sweeps without importing the rooms.
- The **working-day calendar** (``register_calendar``): the function that loads it; the sweeps of
  rooms to the left of the one that owns it get it from here.

This module imports no models: it is read while the apps are being loaded.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils.functional import Promise


class Text(NamedTuple):
    subject: str
    body: str


@dataclass(frozen=True)
class NoticeKind:
    code: str
    label: Promise | str
    #: The subject and body made of a notice's params, in the active language.
    render: Callable[[dict], Text]


@dataclass(frozen=True)
class Topic:
    """A kind of record a notice can be about; a notice's ``topic`` is ``"<name>:<id>"``."""

    name: str
    #: The path of the record's page, or None when the notice has no page to link to.
    url: Callable[[int], str] | None
    #: The records' names for the inbox, by id (one query for a page of notices).
    labels: Callable[[set[int]], dict[int, str]]
    #: Which of these ids ``user`` may open now (one query for a page of notices).
    openable: Callable[[Any, set[int]], set[int]]
    #: The inbox's button, and what it says instead when the reader may no longer open it.
    open_label: Promise | str = ""
    closed_label: Promise | str = ""
    #: Files the e-mail carries: ``[(filename, content, mimetype)]`` for the record's id.
    attachments: Callable[[int], list[tuple[str, bytes, str]]] | None = None


@dataclass(frozen=True)
class Sweep:
    """A periodic job that sends notices: ``run(now=..., dry_run=...)`` returns a ``SweepResult``."""

    name: str
    label: Promise | str
    run: Callable[..., Any]
    #: Daily sweeps are caught up day by day (``catch_up_sweeps``); others once, as of now.
    daily: bool = True
    #: The order in which beat runs them on a morning (lower first).
    order: int = 100
    #: For a sweep that is not daily: whether ``catch_up_sweeps`` has anything to do as of ``now``.
    catch_up_due: Callable[[Any], bool] | None = None


_KINDS: dict[str, NoticeKind] = {}
_TOPICS: dict[str, Topic] = {}
_SWEEPS: dict[str, Sweep] = {}
_CALENDAR: list[Callable[[], Any]] = []


def register_kind(code: str, label: Promise | str, render: Callable[[dict], Text]) -> NoticeKind:
    kind = NoticeKind(code, label, render)
    _KINDS[code] = kind
    return kind


def register_topic(topic: Topic) -> Topic:
    _TOPICS[topic.name] = topic
    return topic


def register_sweep(sweep: Sweep) -> Sweep:
    _SWEEPS[sweep.name] = sweep
    return sweep


def register_calendar(loader: Callable[[], Any]) -> None:
    """``loader()`` returns the working-day calendar (``issues.workdays.WorkdayCalendar``)."""
    _CALENDAR[:] = [loader]


def kinds() -> dict[str, NoticeKind]:
    return dict(_KINDS)


def kind_label(code: str) -> str:
    kind = _KINDS.get(code)
    return str(kind.label) if kind else code


def render(code: str, params: dict) -> Text | None:
    """The subject and body of a notice of kind ``code`` made of ``params``, in the active language;
    None when there is nothing to render from (no params, or a kind no room registers)."""
    kind = _KINDS.get(code)
    if kind is None or not params:
        return None
    return kind.render(params)


def topic(name: str, record_id: int) -> str:
    """The ``topic`` value for the record ``record_id`` of topic ``name`` ("issue:42")."""
    return f"{name}:{record_id}"


def topic_parts(value: str) -> tuple[str, int | None]:
    name, _sep, record_id = (value or "").partition(":")
    return name, int(record_id) if record_id.isdigit() else None


def topics() -> dict[str, Topic]:
    return dict(_TOPICS)


def sweeps() -> list[Sweep]:
    """The registered sweeps in the order beat runs them."""
    return sorted(_SWEEPS.values(), key=lambda sweep: (sweep.order, sweep.name))


def sweep_label(name: str) -> str:
    sweep = _SWEEPS.get(name)
    return str(sweep.label) if sweep else name


def working_calendar():
    """The working-day calendar, loaded now by the function its room registered."""
    if not _CALENDAR:
        raise LookupError("No working-day calendar is registered (the issues app registers it).")
    return _CALENDAR[0]()


def labels_for(values: Iterable[str]) -> dict[str, str]:
    """The inbox names of these topics (one query per kind of topic)."""
    wanted: dict[str, set[int]] = {}
    for value in values:
        name, record_id = topic_parts(value)
        if name in _TOPICS and record_id is not None:
            wanted.setdefault(name, set()).add(record_id)
    found = {}
    for name, ids in wanted.items():
        for record_id, label in _TOPICS[name].labels(ids).items():
            found[topic(name, record_id)] = label
    return found
