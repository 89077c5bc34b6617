"""Build step that pyproject.toml cannot express: durable_rules on Python 3.13 and later.

durable_rules 2.0.28 (the inference engine; no release since 2020) calls
``PyEval_CallObject``, which Python 3.13 removed. Built plainly there, its extension fails
to compile (gcc 14) or compiles and then fails at import (``undefined symbol``). Its upstream
fix only renames the call to ``PyObject_CallObject``, which the define below does as well.

So when a wheel or an editable install of Kundenkompass is built on 3.13 or later, this
script first builds durable_rules with that define (``pip wheel`` with ``CC`` extended) into
``build/durable_rules/`` and makes Kundenkompass depend on exactly that wheel. Everywhere
else, and in the sdist, the dependency is the plain ``durable_rules==2.0.28``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import setup

DURABLE_RULES = "durable_rules==2.0.28"
DURABLE_RULES_DEFINE = "-DPyEval_CallObject=PyObject_CallObject"
#: The setup commands that produce metadata or a wheel to install (an sdist keeps the plain
#: requirement, so that it builds the right thing on whatever Python installs it).
INSTALLING_COMMANDS = {"bdist_wheel", "editable_wheel", "dist_info", "develop", "install"}

DEPENDENCIES = [
    "pluggy>=1.3",
    "pydantic>=2.5,<3",
    "tomli>=2.0; python_version < '3.11'",
    # typer 0.26 replaced click by a copy without gettext, so its texts cannot be
    # translated (see kundenkompass.commands.german).
    "typer>=0.20,<0.26",
    "click>=8.2,<9",
    "rich>=13",
    "jinja2>=3.1",
    "pygal>=3.0",
    "questionary>=2.0",
    "tomlkit>=0.12",
    # Numbers and dates the German way in every report format.
    "babel>=2.12",
    "platformdirs>=3",
]


def durable_rules_requirement(argv: list[str]) -> str:
    if sys.version_info < (3, 13) or not INSTALLING_COMMANDS.intersection(argv[1:]):
        return DURABLE_RULES
    wheelhouse = (
        Path(__file__).resolve().parent
        / "build"
        / "durable_rules"
        / f"{sys.implementation.cache_tag}-{sysconfig.get_platform()}"
    )
    wheels = sorted(wheelhouse.glob("durable_rules-2.0.28-*.whl"))
    if not wheels:
        compiler = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
        environment = {**os.environ, "CC": f"{compiler} {DURABLE_RULES_DEFINE}"}
        print(
            f"building {DURABLE_RULES} for Python {sys.version.split()[0]} with {DURABLE_RULES_DEFINE}"
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-binary=durable_rules",
                "--wheel-dir",
                str(wheelhouse),
                DURABLE_RULES,
            ],
            check=True,
            env=environment,
        )
        wheels = sorted(wheelhouse.glob("durable_rules-2.0.28-*.whl"))
    return f"durable_rules @ {wheels[0].as_uri()}"


setup(install_requires=[durable_rules_requirement(sys.argv), *DEPENDENCIES])
