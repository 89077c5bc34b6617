"""What `audit run` imports: only its own command, no help formatting, and with a warm
start-up cache nothing of the catalog's validation, not even the catalog models' validators.
(How long it takes is measured by benchmarks/run.py, never here.)"""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "radhaus.toml"

RUN_AND_LIST_MODULES = """
import contextlib, io, json, sys
from kundenkompass.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit as stop:
        assert not stop.code, stop.code
import pydantic
def subclasses(model):
    for subclass in model.__subclasses__():
        yield subclass
        yield from subclasses(subclass)
built = sorted(
    f"{model.__module__}.{model.__qualname__}"
    for model in subclasses(pydantic.BaseModel)
    if model.__module__.startswith("kundenkompass") and model.__pydantic_complete__
)
sys.stderr.write(json.dumps({"modules": sorted(sys.modules), "built": built}))
"""

#: Modules that `audit run` with the text report never needs.
NOT_FOR_RUN = (
    "kundenkompass.commands.serve",
    "kundenkompass.commands.plugins",
    "kundenkompass.commands.init",
    "kundenkompass.commands.collect",
    "kundenkompass.tools.server",
    "kundenkompass.tools.inventory",
    "kundenkompass.tools.lint",
    "typer.rich_utils",
    "rich.markdown",
    "rich.traceback",
    "fastapi",
    "jinja2",
)


def loaded_by_run(*args: str) -> dict[str, list[str]]:
    """The modules a run imports and the Kundenkompass models whose validators it built."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, list[str]] = json.loads(done.stderr.splitlines()[-1])
    return found


def modules_of_run(*args: str) -> set[str]:
    return set(loaded_by_run(*args)["modules"])


def test_audit_run_imports_only_what_it_needs():
    modules_of_run("run", str(EXAMPLE))  # fills the start-up cache
    loaded = modules_of_run("run", str(EXAMPLE))
    assert "kundenkompass.commands.run" in loaded
    assert sorted(name for name in NOT_FOR_RUN if name in loaded) == []
    # The catalog comes from the cache: nothing is collected, validated or compiled.
    assert "kundenkompass.catalog.checks" not in loaded


def test_a_warm_start_builds_no_validator_of_the_catalog_models():
    """The catalog's models build their validators when first validating (defer_build):
    a run from the cached catalog validates none of them."""
    loaded_by_run("run", str(EXAMPLE))  # fills the start-up cache
    built = set(loaded_by_run("run", str(EXAMPLE))["built"])
    catalog_models = {
        "kundenkompass.models.FactDefinition",
        "kundenkompass.models.ChecklistItem",
        "kundenkompass.models.Measure",
        "kundenkompass.models.Threshold",
        "kundenkompass.catalog.rulesets.RulesetHeader",
        "kundenkompass.catalog.rulesets.PriorityChange",
        "kundenkompass.catalog.rulesets.NotApplicable",
    }
    assert sorted(catalog_models & built) == []
    assert "kundenkompass.results.AuditResult" in built  # the audit itself validates


def test_help_still_lists_every_command_in_german():
    done = subprocess.run(
        [sys.executable, "-m", "kundenkompass", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for name in ("run", "batch", "serve", "plugins", "lint", "diff", "init", "schema"):
        assert f" {name} " in done.stdout
    assert "Befehle" in done.stdout


def test_every_command_is_mapped_to_its_module():
    """`audit NAME` imports only COMMAND_MODULES[NAME]: each command must be listed there,
    under the module that registers it."""
    import typer
    from kundenkompass.cli import COMMAND_MODULES, app

    group = typer.main.get_command(app)
    registered = group.commands  # type: ignore[attr-defined]
    assert sorted(registered) == sorted(COMMAND_MODULES)
    for name, command in registered.items():
        module = command.callback.__module__
        assert module == f"kundenkompass.commands.{COMMAND_MODULES[name]}", name
