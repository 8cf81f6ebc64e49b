"""Arrows run down: no import put inside a function to dodge a cycle, no model by name.

The layers themselves are an import-linter contract (pyproject.toml, `make test`'s lint
step). An import inside a function hides an upward arrow from it, and so does
`apps.get_model`; only the imports listed here stand inside functions, each for a
reason that is not a cycle. Migrations use `apps.get_model` as Django requires.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import ketacare

SRC = Path(ketacare.__file__).parent
# file -> why its function-level import is not dodging a cycle
JUSTIFIED = {
    "cli.py": "Django's command line is loaded only when a command runs",
    "audit/apps.py": "the sign-in receivers connect, and the use-case wrapper gets its audit "
    "writer, in AppConfig.ready, Django's way",
    "env.py": "the database and e-mail URL parsers load only where settings need them",
}


def _marked(needle: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        count = path.read_text(encoding="utf-8").count(needle)
        if count:
            found[path.relative_to(SRC).as_posix()] = count
    return found


def test_only_the_justified_imports_stand_inside_functions() -> None:
    assert set(_marked("PLC0415")) == set(JUSTIFIED)


def test_no_model_is_looked_up_by_name_outside_migrations() -> None:
    assert _marked("get_model(") == {}


# A use case's transaction is the use-case wrapper's (kernel.usecase, durable). These
# open one themselves, each for a reason that is not a use case of an actor:
OWN_TRANSACTIONS = {
    "kernel/usecase.py": "the use-case wrapper and the demo's batch",
    "audit/log.py": "a savepoint around the chain's head, inside the caller's transaction",
    "audit/admin_scoping.py": "the admin's own writes of rows no use case owns",
    "alerts/services.py": "alerts raised by the worker's facts, savepoints inside a use case",
    "alerts/outbox.py": "the worker drains the outbox, one message at a time",
    "jobs/lease.py": "the worker's lease",
    "treatment/jobs.py": "the worker turns missed check-ins into alerts",
    "api/idempotency.py": "a savepoint claiming the key, inside the use case",
    "demo/clinic.py": "a savepoint of the demo's batch",
    "accounts/mfa.py": "django-otp's check of a code locks the devices it verifies against",
}


def test_only_the_use_case_wrapper_and_the_worker_open_transactions() -> None:
    assert set(_marked("transaction.atomic(")) == set(OWN_TRANSACTIONS)


# Test tools stay out of the product: the demo moves time with kernel.clock, and charts
# are drawn by reports' own SVG module.
TEST_TOOLS = {"time_machine": "time-machine", "matplotlib": "matplotlib"}


def test_the_product_imports_no_test_tool() -> None:
    for module in TEST_TOOLS:
        assert _marked(f"import {module}") == {}
        assert _marked(f"from {module}") == {}


def test_the_runtime_dependencies_hold_no_test_tool() -> None:
    pyproject = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {
        re.split(r"[<>=\[; ]", dep, maxsplit=1)[0].lower()
        for dep in pyproject["project"]["dependencies"]
    }
    assert runtime.isdisjoint(TEST_TOOLS.values())


# A reader holds a file and a function in view at once: no source file over 400 lines
# (migrations aside, Django writes them) and no function over 50, decorators included.
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 50


def _sources() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if "migrations" not in p.parts]


def test_no_source_file_is_over_400_lines() -> None:
    long = {
        path.relative_to(SRC).as_posix(): lines
        for path in _sources()
        if (lines := path.read_text(encoding="utf-8").count("\n")) > MAX_FILE_LINES
    }
    assert long == {}


def test_no_function_is_over_50_lines() -> None:
    long: dict[str, int] = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = (node.end_lineno or node.lineno) - first + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(SRC).as_posix()}:{node.name}"] = lines
    assert long == {}
