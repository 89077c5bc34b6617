"""The package's imports follow the audit's data flow: no cycles, nothing against the steps.

This file is where the order of the steps is written down. Each module of ``core/``
(installed as ``kundenkompass``) belongs to one step; a module may import modules of its
own step and of earlier steps, never of a later one. Every import counts: module level,
inside functions, and under ``if TYPE_CHECKING:`` too - a type is a dependency like any
other, and an import only a type checker sees still ties a step to a later one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

CORE = ROOT / "core"
PACKAGE = "kundenkompass"

#: The steps in data-flow order; a module belongs to the first entry that matches it
#: (a folder, given with a trailing slash, or a module of the package root).
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # What every step shares: errors, the vocabulary, the plugin and result models, texts
    # and the reading and writing of files.
    ("foundation", ("errors", "vocabulary", "models", "results", "texts", "files/")),
    ("rules", ("rules/",)),
    ("catalog", ("catalog/",)),
    ("profile", ("profile/",)),
    ("inference", ("inference/",)),
    # The engine, and the package root whose public API re-exports it and what it returns.
    ("engine", ("engine", "__init__")),
    ("render", ("render/",)),
    ("tools", ("tools/", "testing")),
    ("commands", ("commands/", "cli", "__main__")),
)

#: Renderers read the results and the view model only: besides the render step itself,
#: these foundation modules.
RENDER_MAY_READ = frozenset({"results", "texts", "vocabulary", "errors", "files/", "models"})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(CORE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


MODULES: dict[str, Path] = {_module_name(path): path for path in sorted(CORE.rglob("*.py"))}


def _place(module: str) -> str:
    """The module's entry in STEPS: a root module's name or its folder with a slash."""
    parts = module.split(".")[1:]
    if not parts:
        return "__init__"
    if len(parts) == 1 and MODULES[module].name != "__init__.py":
        return parts[0]
    return parts[0] + "/"


def step_of(module: str) -> int:
    place = _place(module)
    for index, (_, members) in enumerate(STEPS):
        if place in members:
            return index
    raise AssertionError(f"{module} belongs to no step: add it to STEPS in {__file__}")


def _resolve(name: str) -> str | None:
    """The package module that an imported name refers to (None outside the package)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> Iterator[tuple[str, int]]:
    """(imported package module, line) for every import in the module's source."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` imports that module; `from module import name`
            # the module itself.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        targets = {_resolve(name) for name in names if name.split(".")[0] == PACKAGE}
        for target in sorted(t for t in targets if t is not None and t != module):
            yield target, node.lineno


GRAPH: dict[str, set[str]] = {
    module: {target for target, _ in imports_of(module)} for module in MODULES
}


def test_every_module_belongs_to_a_step():
    assert len(MODULES) > 40, "the package was not found"
    for module in MODULES:
        step_of(module)


def test_no_import_against_the_data_flow():
    wrong = []
    for module in MODULES:
        for target, line in imports_of(module):
            if step_of(target) > step_of(module):
                wrong.append(
                    f"{MODULES[module].relative_to(ROOT)}:{line}: {module} "
                    f"({STEPS[step_of(module)][0]}) imports {target} "
                    f"({STEPS[step_of(target)][0]})"
                )
    assert not wrong, "imports against the order of the steps:\n" + "\n".join(wrong)


def test_renderers_read_only_results_and_the_view_model():
    render = next(i for i, (name, _) in enumerate(STEPS) if name == "render")
    wrong = [
        f"{MODULES[module].relative_to(ROOT)}:{line}: {module} imports {target}"
        for module in MODULES
        if step_of(module) == render
        for target, line in imports_of(module)
        if step_of(target) != render and _place(target) not in RENDER_MAY_READ
    ]
    assert not wrong, "renderers reaching past the results:\n" + "\n".join(wrong)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(GRAPH[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert _cycles() == []


@pytest.mark.parametrize(
    ("module", "imported", "expected"),
    [
        (
            "kundenkompass.engine",
            "from kundenkompass.tools import batch",
            "kundenkompass.tools.batch",
        ),
        (
            "kundenkompass.engine",
            "from kundenkompass.catalog.catalog import Catalog",
            "kundenkompass.catalog.catalog",
        ),
        ("kundenkompass.engine", "import kundenkompass.render.text", "kundenkompass.render.text"),
        (
            "kundenkompass.catalog.catalog",
            "from . import rulesets",
            "kundenkompass.catalog.rulesets",
        ),
        ("kundenkompass.catalog.catalog", "from ..errors import RuleError", "kundenkompass.errors"),
        ("kundenkompass.engine", "from kundenkompass import Engine", "kundenkompass"),
        ("kundenkompass.engine", "import pydantic", None),
    ],
)
def test_imports_are_resolved_to_modules(module, imported, expected, monkeypatch, tmp_path):
    """The reader of imports itself: what each form of import statement refers to."""
    source = tmp_path / "module.py"
    source.write_text(f"def later():\n    {imported}\n", encoding="utf-8")
    monkeypatch.setitem(MODULES, module, source)
    found = [target for target, _ in imports_of(module)]
    assert found == ([expected] if expected else [])
