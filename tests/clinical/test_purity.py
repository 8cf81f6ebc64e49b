"""The clinical core is pure: no Django, no other ketacare app, no I/O.

This fails the moment anyone imports Django (or a module that does) under
`ketacare/clinical/`; the import-linter contract in pyproject.toml says the same
for `make test`'s lint step.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ketacare.clinical

CLINICAL = Path(ketacare.clinical.__file__).parent
MODULES = sorted(CLINICAL.rglob("*.py"))

# Modules the core may never import: the framework, our Django apps, and I/O.
FORBIDDEN_PREFIXES = (
    "django",
    "ketacare.accounts",
    "ketacare.patients",
    "ketacare.audit",
    "ketacare.web",
    "ketacare.reports",
    "ketacare.api",
    "ketacare.intake",
    "ketacare.assessments",
    "ketacare.treatment",
    "ketacare.settings",
    "matplotlib",
    "os",
    "pathlib",
    "io",
    "socket",
    "subprocess",
    "sqlite3",
    "urllib",
    "http",
    "shutil",
    "tempfile",
)
FORBIDDEN_CALLS = frozenset({"open", "input", "print", "exec", "eval"})


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _is_forbidden(module: str) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in FORBIDDEN_PREFIXES)


def test_there_is_a_clinical_core_to_check() -> None:
    assert len(MODULES) >= 5


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CLINICAL)))
def test_a_clinical_module_imports_no_framework_and_does_no_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad_imports = [name for name in _imports(tree) if _is_forbidden(name)]
    assert bad_imports == [], f"{path.name} imports {bad_imports}"
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not calls & FORBIDDEN_CALLS, f"{path.name} calls {sorted(calls & FORBIDDEN_CALLS)}"


def test_the_purity_check_would_catch_a_django_import() -> None:
    tree = ast.parse("from django.db import models\nimport django.conf\nimport ketacare.web.views")
    assert [name for name in _imports(tree) if _is_forbidden(name)] == [
        "django.db",
        "django.conf",
        "ketacare.web.views",
    ]


def test_importing_the_whole_core_loads_no_django() -> None:
    modules = sorted(
        "ketacare.clinical." + ".".join(p.relative_to(CLINICAL).with_suffix("").parts)
        for p in MODULES
        if p.name != "__init__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and module names
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
