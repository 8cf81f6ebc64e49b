"""The docs' table and figure of the model against published observations."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ketacare.clinical import pk_evidence as evidence
from ketacare.reports import pk_evidence as report

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_docs_table_is_the_one_the_code_makes() -> None:
    text = (DOCS / "pharmacokinetics.md").read_text(encoding="utf-8")
    start = text.index(report.TABLE_START)
    end = text.index(report.TABLE_END) + len(report.TABLE_END)
    assert text[start:end] == report.table_markdown(), "run `ketacare pk evidence --markdown`"


def test_the_table_has_a_row_per_observation_and_names_every_miss() -> None:
    table = report.table_markdown()
    rows = [line for line in table.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == len(evidence.OBSERVATIONS)
    misses = {row.miss for row in evidence.OBSERVATIONS if row.miss}
    for text in misses:
        assert text in table
    assert table.count("**miss**") == sum(1 for row in evidence.OBSERVATIONS if row.miss)


def test_the_figure_draws_every_route_and_every_published_source() -> None:
    svg = report.figure_svg()
    assert svg.lstrip().startswith("<?xml")
    assert "http://" not in svg.replace("http://www.w3.org", "")  # nothing to fetch
    for _, _, title, _ in report.PANELS:
        assert title.split(" (")[0] in svg
    drawn = {
        row.source for row in evidence.OBSERVATIONS if row.quantity in {"cmax", "concentration"}
    }
    for source in drawn:
        assert source in svg


def test_the_docs_figure_is_committed_next_to_the_docs() -> None:
    svg = (DOCS / "pharmacokinetics-evidence.svg").read_text(encoding="utf-8")
    assert "Plasma ketamine (ng/mL)" in svg
    assert "pharmacokinetics-evidence.svg" in (DOCS / "pharmacokinetics.md").read_text(
        encoding="utf-8"
    )


def test_the_command_summarises_prints_the_table_and_writes_the_figure(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("pk", "evidence", stdout=out, stderr=err)
    summary = out.getvalue()
    met = sum(1 for row in evidence.OBSERVATIONS if not row.miss)
    assert f"{met} of {len(evidence.OBSERVATIONS)} published figures within 2x" in summary
    assert summary.count("model/published") == len(evidence.OBSERVATIONS) - met
    target = tmp_path / "evidence.svg"
    out = io.StringIO()
    call_command("pk", "evidence", "--markdown", "--svg", str(target), stdout=out, stderr=err)
    assert out.getvalue().strip() == report.table_markdown()
    assert target.read_text(encoding="utf-8") == report.figure_svg()
    assert "Wrote" in err.getvalue()


def test_the_command_refuses_a_figure_into_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("pk", "evidence", "--svg", str(tmp_path / "nowhere" / "x.svg"))
