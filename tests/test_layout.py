"""The code's layout (STYLE.md, "The layout"): no import circles between the project's modules.

Read from the source, imports inside functions included: a circle hidden in a function (as
``issues.notifications`` once imported ``issues.tasks``, which imports it) is a circle all the same.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOMS = ["config", "platforms", "liaison", "issues", "achievements"]


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
    assert "issues.notifications" in graph["issues.enforcement"]
    assert "issues.enforcement" in graph["issues.tasks"]


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
