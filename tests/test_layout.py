"""The code's layout (STYLE.md, "The layout"): no import circles between the project's modules.

Read from the source, imports inside functions included: a circle hidden in a function (as
``issues.notifications`` once imported ``issues.tasks``, which imported it) is a circle all the same.
"""

import ast
from pathlib import Path

from django.conf import settings

#: The rooms, left to right: a room may import only itself and the rooms to its left.
ROOMS = ["config", "notices", "platforms", "liaison", "issues", "achievements", "voice", "evaluation"]

#: The wiring at the top of the project: the URL confs include every room's pages and API.
WIRING = {"config.urls", "config.api_urls"}

#: Known debt: imports against the order that were there before this test. Each is a module and the
#: room it should not reach; pay one off by deleting its line. A new one fails the test.
KNOWN_DEBT = {
    ("platforms.admin", "liaison"),
    ("platforms.api", "liaison"),
    ("platforms.views", "liaison"),
    ("platforms.filters", "liaison"),
    ("liaison.selectors", "issues"),
    ("liaison.demo", "issues"),
    ("liaison.management.commands.seed_demo", "issues"),
    ("liaison.management.commands.seed_demo", "achievements"),
}


def project_modules() -> dict[str, Path]:
    base = Path(settings.BASE_DIR)
    modules = {}
    for room in ROOMS:
        for path in (base / room).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(base).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(parts + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            for candidate in candidates:
                found = known(candidate)
                if found and found != name:
                    graph[name].add(found)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_the_imports():
    graph = import_graph()
    assert "notices.services" in graph["issues.enforcement"]
    assert "issues.enforcement" in graph["issues.tasks"]


def room_of(module: str) -> str:
    return module.split(".")[0]


def against_the_order(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """(module, room) for each import of a room to the module's right."""
    found = set()
    for module, imported in graph.items():
        if module in WIRING:
            continue
        position = ROOMS.index(room_of(module))
        for other in imported:
            if ROOMS.index(room_of(other)) > position:
                found.add((module, room_of(other)))
    return found


def test_each_room_imports_only_the_rooms_to_its_left_but_for_the_known_debt():
    assert against_the_order(import_graph()) - KNOWN_DEBT == set()


def test_the_known_debt_is_still_owed():
    """A debt paid off is struck from the list, so it cannot come back unnoticed."""
    assert KNOWN_DEBT - against_the_order(import_graph()) == set()


def test_the_notification_machinery_is_the_leftmost_room_after_config():
    graph = import_graph()
    assert {room_of(other) for module, imported in graph.items() if room_of(module) == "notices"
            for other in imported} <= {"config", "notices"}


def test_no_module_imports_itself_through_others():
    assert circles(import_graph()) == []


def test_a_circle_is_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_platforms_and_issues_do_not_import_achievements():
    # Achievements add their section to the dispatch report and to the platform page by registering
    # it (issues.reports.register_section, platforms.sections), so the arrows point one way.
    graph = import_graph()
    for module, imported in graph.items():
        if module.split(".")[0] in ("platforms", "issues"):
            assert not {m for m in imported if m.startswith("achievements")}, module
