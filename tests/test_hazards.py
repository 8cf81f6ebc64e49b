"""The hazard log (docs/hazards.md) names controls and tests that exist.

Every row's control is `path::name` of a function, class or method in src, and its
verification `path::name` of a test; this test parses each and fails when one is gone
(renamed, moved or deleted), so the log cannot silently drift from the code.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "hazards.md"
REFERENCE = re.compile(r"`((?:src|tests)/[\w/]+\.py)::([\w.]+)`")
# The items of the at-home safety issue, each covered by at least one hazard.
ISSUE_ITEMS = set(range(1, 15))
TOPICS = ("pre-dose gate", "missed check-in", "suicidality", "diversion", "ledger")


def _rows() -> list[str]:
    return [line for line in LOG.read_text().splitlines() if re.match(r"\|\s*H\d+\s*\|", line)]


@cache
def _defined(path: str) -> frozenset[str]:
    """Every function, class and Class.method defined in a module."""
    tree = ast.parse((ROOT / path).read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            names.update(
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return frozenset(names)


def _references() -> list[tuple[str, str, str]]:
    found = []
    for row in _rows():
        hazard = row.split("|")[1].strip()
        found.extend((hazard, path, name) for path, name in REFERENCE.findall(row))
    return found


def test_the_log_has_hazards_each_with_a_control_and_a_test() -> None:
    rows = _rows()
    assert len(rows) >= len(ISSUE_ITEMS)
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 7, row  # id, items, situation, harm, severity, control, tests
        control, tests = cells[5], cells[6]
        assert any(path.startswith("src/") for path, _ in REFERENCE.findall(control)), row
        assert any(path.startswith("tests/") for path, _ in REFERENCE.findall(tests)), row
        assert cells[4] in {"catastrophic", "critical", "serious", "minor"}, row


@pytest.mark.parametrize(("hazard", "path", "name"), _references())
def test_each_listed_control_and_test_exists(hazard: str, path: str, name: str) -> None:
    assert (ROOT / path).is_file(), f"{hazard}: {path} does not exist"
    assert name in _defined(path), f"{hazard}: {path} defines no {name}"


def test_every_item_of_the_at_home_issue_and_every_topic_has_a_hazard() -> None:
    covered: set[int] = set()
    for row in _rows():
        items = row.split("|")[2]
        covered |= {int(n) for n in re.findall(r"\d+", items)}
    assert covered >= ISSUE_ITEMS
    text = LOG.read_text().lower()
    for topic in TOPICS:
        assert topic in text, topic
