"""Every URL pattern of the URL conf, and concrete URLs for each as a given user.

Shared by the journey (tests/test_journey.py), which visits every page as every role in a lived
quarter, and the authorization matrix (tests/test_url_authorization.py), which reads and writes
every route as every role over a small world of two units. The URL conf is enumerated, not
listed: a page added later is visited by both without editing either. A route whose parameters
cannot be filled fails the test that asked, naming the route, so that the filler below learns the
new parameter.
"""

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from achievements.access import (
    achievements_visible_to,
    demands_visible_to,
    matches_visible_to,
    service_records_visible_to,
)
from achievements.models import Achievement, Demand, Match, ServiceRecord
from evaluation.access import reports_visible_to
from issues.access import issues_visible_to, needs_visible_to, supervisions_visible_to
from issues.admin import ISSUE_ACTIONS
from issues.models import DispatchReport, ExtensionRequest, Issue, PlatformNeed, Supervision
from issues.services import closure_number
from liaison.access import (
    assignments_visible_to,
    cadres_visible_to,
    contacts_visible_to,
    platforms_visible_to,
    units_visible_to,
)
from liaison.models import Assignment, Cadre, Contact, Unit
from notices.models import Notification
from platforms.models import Platform
from voice.models import PlatformLink


@dataclass
class Route:
    pattern: str  # as Django prints it, for messages
    name: str
    regex: re.Pattern
    converters: dict
    callback: object
    admin_model: type | None = None


def routes() -> list[Route]:
    """Every URL pattern of the project, flattened, with the admin's model where it has one."""
    found = []
    admin_models = {(m._meta.app_label, m._meta.model_name): m for m in admin.site._registry}

    def walk(patterns, prefix_parts, namespace, converters):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix_parts + [p.pattern], p.namespace or namespace,
                     {**converters, **p.pattern.converters})
                continue
            parts = prefix_parts + [p.pattern]
            text = "".join(str(part) for part in parts)
            regex = "".join(part.regex.pattern.lstrip("^").rstrip("$").removesuffix(r"\Z") for part in parts)
            model = None
            match = re.match(r"admin/(\w+)/(\w+)/", text)
            if match:
                model = admin_models.get((match[1], match[2]))
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            found.append(Route(text, name, re.compile(regex), {**converters, **p.pattern.converters}, p.callback,
                               model))

    walk(get_resolver().url_patterns, [], None, {})
    return found


def api_model(route: Route):
    """The model of an API route: its viewset's queryset, or the model named by its basename."""
    cls = getattr(route.callback, "cls", None)
    queryset = getattr(cls, "queryset", None)
    if queryset is not None:
        return queryset.model
    basename = route.name.split("-")[0]
    return next((m for m in apps.get_models() if m._meta.model_name == basename), None)


#: The model whose ids fill ``pk`` in the portal's own pages, by URL name (a namespace ends in ":").
#: A new room's pages need no entry when the namespace is its main model's plural name.
PAGE_MODELS = {
    "issues:": Issue,
    "notices:inbox_mark_read": Notification,
    "platforms:detail": Platform,
    "contact_detail": Contact,
    "achievements:": Achievement,
    "achievements:demand_detail": Demand,
    "achievements:demand_edit": Demand,
    "achievements:demand_close": Demand,
    "achievements:demand_reopen": Demand,
    "achievements:match_status": Match,
    "achievements:service_detail": ServiceRecord,
    "achievements:service_edit": ServiceRecord,
    "achievements:service_delete": ServiceRecord,
    "evaluation:cadre": Cadre,
    "evaluation:unit": Unit,
    "evaluation:report_detail": DispatchReport,
    "evaluation:report_xlsx": DispatchReport,
    "issues:need_classify": PlatformNeed,
    "platform_links:standing_issue": Platform,
    "platform_links:rating_issue": Issue,
    "platform_links:revoke": PlatformLink,
}
#: Who may see a record of these models: the shared access checks the pages and the API use.
VISIBLE = {
    Issue: issues_visible_to,
    Platform: platforms_visible_to,
    Contact: contacts_visible_to,
    Cadre: cadres_visible_to,
    Unit: units_visible_to,
    Assignment: assignments_visible_to,
    Achievement: achievements_visible_to,
    Demand: demands_visible_to,
    Match: matches_visible_to,
    ServiceRecord: service_records_visible_to,
    DispatchReport: reports_visible_to,
    Supervision: supervisions_visible_to,
    PlatformNeed: needs_visible_to,
}
#: Pages anyone may open without signing in.
PUBLIC = {"login", "admin:login", "set_language", "api-root", "api-schema", "api-docs", "api-token",
          "voice:rating", "voice:standing", "voice:standing_need", "healthz"}


class LinkVisit:
    """What a visit with a platform's link must answer: ``valid``, 200 to anyone (an outsider
    with the link, or a signed-in user who was sent it); not valid (forged), a 4xx plain page."""

    def __init__(self, valid: bool):
        self.valid = valid


def link_urls(route: Route) -> list[tuple[str, object]]:
    """A platform's link route (``<token>``) with a live token of its kind, where one exists, and a
    forged one: an outsider with and without a link."""
    from voice.links import make_token

    kind = PlatformLink.Kind.RATING if route.name == "voice:rating" else PlatformLink.Kind.STANDING
    live = PlatformLink.objects.filter(kind=kind, revoked_at__isnull=True, expires_at__gt=timezone.now())
    if kind == PlatformLink.Kind.RATING:
        live = live.filter(used_at__isnull=True, issue__status__in=Issue.CLOSED_STATUSES, issue__rating__isnull=True)
        live = [link for link in live.select_related("issue").order_by("-pk")[:20]
                if link.closure == closure_number(link.issue)][:1]
    else:
        live = list(live.order_by("-pk")[:1])
    urls = [(build(route, {"token": make_token(link)}), LinkVisit(valid=True)) for link in live]
    return urls + [(build(route, {"token": "forged-token"}), LinkVisit(valid=False))]


def model_for(route: Route):
    if route.admin_model is not None:
        return route.admin_model
    if route.pattern.startswith("api/"):
        return api_model(route)
    if route.name in PAGE_MODELS:
        return PAGE_MODELS[route.name]
    for prefix, model in PAGE_MODELS.items():
        if prefix.endswith(":") and route.name.startswith(prefix):
            return model
    # A room added later: its namespace names its main model in the plural ("reports:" -> Report).
    namespace = route.name.partition(":")[0] if ":" in route.name else ""
    if namespace and apps.is_installed(namespace):
        return next((m for m in apps.get_app_config(namespace).get_models()
                     if namespace in (f"{m._meta.model_name}s", str(m._meta.verbose_name_plural))), None)
    return None


def sample_ids(model, viewer) -> list:
    """Ids to visit a route of ``model`` with, as ``viewer``: one the viewer may see and one they may
    not (where such exist), so both answers are checked."""
    manager = model._default_manager
    if model is Notification:
        mine = manager.filter(recipient=viewer).order_by("-pk").values_list("pk", flat=True)[:1] if viewer else []
        others = manager.exclude(recipient=viewer).order_by("-pk") if viewer else manager.order_by("-pk")
        return list(mine) + list(others.values_list("pk", flat=True)[:1])
    ids = []
    check = VISIBLE.get(model)
    if check is not None and viewer is not None:
        visible = check(viewer)
        ids += list(visible.order_by("-pk").values_list("pk", flat=True)[:1])
        ids += list(manager.exclude(pk__in=visible.values("pk")).order_by("-pk").values_list("pk", flat=True)[:1])
    else:
        ids += list(manager.order_by("-pk").values_list("pk", flat=True)[:1])
    return ids


def fill(route: Route, viewer) -> list[tuple[str, object]]:
    """Concrete URLs for ``route``: (url, the record it shows or None). Fails on an unknown parameter."""
    names = list(route.regex.groupindex)
    model = model_for(route)
    if route.regex.groups > len(names):
        return history_urls(route, model, viewer)
    if names == ["token"]:
        return link_urls(route)
    if route.name == "choice_search":  # a record select's search, one kind of record each
        return [(build(route, {"kind": kind}), None) for kind in ("platforms", "units", "cadres")]
    primary = next((name for name in ("pk", "object_id", "id") if name in names), None)
    fixed = {}
    for name in names:
        if name in (primary, "extension_pk", "app_label"):
            continue
        if name == "content_type_id":  # the admin's "view on site": a platform's page
            fixed[name] = ContentType.objects.get_for_model(Platform).pk
            model = Platform
            continue
        if name == "format":
            fixed[name] = "json"
        elif name == "action" and route.name == "admin:issues_issue_act":
            fixed[name] = sorted(ISSUE_ACTIONS)[0]  # the admin's action pages on one issue
        elif name == "url":
            fixed[name] = "no-such-page/"  # the admin's catch-all
        elif name == "key" and route.name.startswith("evaluation:records"):
            fixed[name] = "issues_closed"  # a figure's records: the one attributed by the day it closed
        elif name == "path" and not route.name:
            return []  # media files, served in DEBUG only
        else:
            pytest.fail(f"cannot fill {name!r} in the route {route.pattern!r}: teach tests/urlconf.py")
    if primary and model is None:
        pytest.fail(f"no model known for {primary!r} in the route {route.pattern!r}: teach tests/urlconf.py")
    labels = sorted({m._meta.app_label for m in admin.site._registry}) if "app_label" in names else [None]
    urls = []
    ids = sample_ids(model, viewer) if primary else [None]
    if route.admin_model is not None:
        ids = ids[:1]  # the admin's pages show every record alike: one is enough
    for value in ids:
        record = model._default_manager.filter(pk=value).first() if primary else None
        for label in labels:
            kwargs = dict(fixed)
            if primary:
                kwargs[primary] = value
            if label:
                kwargs["app_label"] = label
            if "extension_pk" in names:
                extension = ExtensionRequest.objects.filter(issue_id=value).order_by("-pk").first()
                if extension is None:
                    continue
                kwargs["extension_pk"] = extension.pk
            urls.append((build(route, kwargs), record))
    if not names and re.search(r"[\^$()\[\]*+?|]", urls[0][0]):
        pytest.fail(f"cannot fill the route {route.pattern!r}: teach tests/urlconf.py its parameters")
    return urls


def history_urls(route: Route, model, viewer) -> list[tuple[str, object]]:
    """django-simple-history's "one past version" page: ``(object id)/history/(history id)/``."""
    if not route.name.endswith("_simple_history") or not hasattr(model, "history"):
        pytest.fail(f"cannot fill the route {route.pattern!r}: teach tests/urlconf.py its parameters")
    urls = []
    for pk in sample_ids(model, viewer):
        version = model.history.filter(id=pk).order_by("-history_id").first()
        if version is not None:
            text = route.regex.pattern.replace("^", "").replace("$", "")
            text = text.replace("([^/]+)", str(pk), 1).replace("([^/]+)", str(version.history_id), 1)
            urls.append(("/" + text.replace("\\", ""), model._default_manager.get(pk=pk)))
    return urls


def build(route: Route, kwargs: dict) -> str:
    """The route's regex with its groups replaced by ``kwargs``."""
    text = route.regex.pattern
    for name, value in kwargs.items():
        text = re.sub(r"\(\?P<%s>(?:[^()]|\([^()]*\))*\)" % name, str(value), text, count=1)
    text = re.sub(r"\\(.)", r"\1", text)
    text = text.replace("/?", "/")
    return "/" + text


def expected_hidden(route: Route, record, viewer) -> bool:
    """Whether ``viewer`` may not see ``record`` through the portal's pages and API."""
    if record is None or viewer is None or route.admin_model is not None or isinstance(record, LinkVisit):
        return False  # the admin's pages are for admins, who see every record
    if isinstance(record, Notification):
        return record.recipient_id != viewer.pk
    check = VISIBLE.get(type(record))
    if check is None:
        return False
    return not check(viewer).filter(pk=record.pk).exists()
