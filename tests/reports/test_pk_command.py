"""`ketacare pk plot` and `ketacare pk equivalent`: the dose previews from the command line."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ketacare.cli import main as cli_main
from ketacare.clinical import pk

N = ("--n", "200")  # a small population keeps the tests quick


def _pk(*args: str) -> str:
    out = StringIO()
    call_command("pk", *args, stdout=out)
    return out.getvalue()


def _plot(tmp_path: Path, *args: str) -> tuple[Path, str]:
    output = tmp_path / "preview.svg"
    printed = _pk("plot", *args, *N, "-o", str(output))
    return output, printed


# --- pk plot ---------------------------------------------------------------------------------


def test_plot_writes_the_svg_and_says_where_with_both_doses_numbers(tmp_path) -> None:
    output, printed = _plot(tmp_path, "--route", "sublingual", "--dose", "100", "--weight", "70")
    svg = output.read_text(encoding="utf-8")
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"  # noqa: S314 - ours
    assert f"Wrote {output}" in printed
    mine = pk.simulate("sublingual", dose_mg=100, weight_kg=70)
    iv = pk.simulate("iv", dose_mg=35, weight_kg=70, infusion_min=40)
    planned = next(line for line in printed.splitlines() if line.startswith("Sublingual 100 mg"))
    reference = next(line for line in printed.splitlines() if line.startswith("IV 35 mg"))
    for line, profile in ((planned, mine), (reference, iv)):
        assert f"{profile.cmax_ng_ml:.0f} ng/mL" in line
        assert f"{profile.tmax_h:.2f} h" in line
        assert f"{profile.auc_ng_h_ml:.0f} ng\u00b7h/mL" in line
    assert "(0.50 mg/kg) over 40 min" in reference
    assert "90% of 200 simulated patients" in printed


@pytest.mark.parametrize(
    ("compare", "expected"),
    [
        ("iv:35:40", "IV 35 mg (0.50 mg/kg) over 40 min"),
        ("iv:20", "IV 20 mg (0.29 mg/kg)"),
        ("IV:52.5:60", "IV 52.5 mg (0.75 mg/kg) over 60 min"),
        ("intranasal:56", "Intranasal 56 mg (0.80 mg/kg)"),
        ("oral:150", "Oral (swallowed) 150 mg (2.14 mg/kg)"),
    ],
)
def test_plot_draws_the_comparison_asked_for(tmp_path, compare, expected) -> None:
    output, printed = _plot(
        tmp_path, "--route", "sublingual", "--dose", "100", "--weight", "70", "--compare", compare
    )
    assert expected in printed
    assert f"compared with {expected}" in output.read_text(encoding="utf-8")


def test_plot_replaces_an_earlier_preview_file(tmp_path) -> None:
    output = tmp_path / "preview.svg"
    output.write_text("old", encoding="utf-8")
    _pk("plot", "--route", "oral", "--dose", "150", "--weight", "70", *N, "--output", str(output))
    assert output.read_text(encoding="utf-8").startswith("<svg ")


PLOT_OK = {"--route": "sublingual", "--dose": "100", "--weight": "70"}


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("--route", "rectal", "sublingual"),
        ("--route", "", "intranasal"),
        ("--dose", "0", "above 0"),
        ("--dose", "-5", "above 0"),
        ("--dose", "abc", "not a number"),
        ("--dose", "nan", "above 0"),
        ("--dose", "inf", "above 0"),
        ("--weight", "29.9", "30-250"),
        ("--weight", "251", "30-250"),
        ("--weight", "seventy", "kg"),
        ("--weight", "nan", "30-250"),
        ("--compare", "iv", "route:dose_mg"),
        ("--compare", "iv:35:40:5", "route:dose_mg"),
        ("--compare", "rectal:35", "sublingual"),
        ("--compare", "iv:0", "above 0"),
        ("--compare", "iv:thirty", "a dose in mg"),
        ("--compare", "iv:35:0", "an infusion time in min"),
        ("--compare", "iv:35:", "an infusion time in min"),
        ("--compare", "sublingual:100:40", "for iv only"),
        ("--n", "10", "100-100,000"),
        ("--n", "1e3", "whole number"),
        ("--seed", "-1", "0-4,294,967,295"),
    ],
)
def test_plot_refuses_bad_input_naming_the_option_and_writes_nothing(
    tmp_path, option, value, allowed
) -> None:
    args = {**PLOT_OK, option: value}
    flat = [part for pair in args.items() for part in pair]
    with pytest.raises(CommandError, match=re.escape(option)) as raised:
        _pk("plot", *flat, "-o", str(tmp_path / "preview.svg"))
    assert allowed in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def _refuse(*args, **kwargs):
    raise pk.InvalidPkInput("weight_kg must be a number of kg from 40 to 200, not 35.0.")


def test_plot_turns_the_models_refusal_into_an_error_and_writes_nothing(
    tmp_path, monkeypatch
) -> None:
    # Should the model's bounds ever be narrower than the command's (a clinic's setting).
    monkeypatch.setattr(pk, "population", _refuse)
    with pytest.raises(CommandError, match=r"weight_kg must be .* from 40 to 200"):
        _plot(tmp_path, "--route", "oral", "--dose", "150", "--weight", "35")
    assert list(tmp_path.iterdir()) == []


def test_plot_will_not_write_over_a_folder(tmp_path) -> None:
    folder = tmp_path / "charts"
    folder.mkdir()
    with pytest.raises(CommandError, match=r"-o/--output .* is a folder"):
        _pk("plot", "--route", "oral", "--dose", "150", "--weight", "70", "-o", str(folder))
    assert list(folder.iterdir()) == []


def test_plot_needs_an_existing_folder_to_write_into(tmp_path) -> None:
    missing = tmp_path / "no-such-folder" / "preview.svg"
    with pytest.raises(CommandError, match=r"-o/--output .* does not exist"):
        _pk("plot", "--route", "oral", "--dose", "150", "--weight", "70", "-o", str(missing))
    assert list(tmp_path.iterdir()) == []


def test_plot_needs_an_output_file(tmp_path) -> None:
    with pytest.raises(CommandError, match="--output"):
        _pk("plot", "--route", "oral", "--dose", "150", "--weight", "70")


def test_a_subcommand_is_required() -> None:
    with pytest.raises(CommandError, match=r"plot\|equivalent"):
        _pk()


# --- pk equivalent ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of the table: a dose by one route matching the source on one measure."""

    mg: float  # proposed (cautious)
    mg_per_kg: float
    typical_mg: float
    low_mg: float  # 5th-95th percentile between simulated patients
    high_mg: float


ROW = re.compile(
    r"^(?P<route>\S.*?)?\s+(?P<match>same AUC|same peak \(Cmax\))\s+"
    r"(?P<mg>\d+\.\d) mg\s+(?P<kg>\d+\.\d\d) mg/kg\s+(?P<typical>\d+\.\d) mg\s+"
    r"(?P<low>\d+\.\d)-(?P<high>\d+\.\d) mg$"
)
MATCH_OF = {"same AUC": "auc", "same peak (Cmax)": "cmax"}


def _table(printed: str) -> dict[str, dict[str, Row]]:
    """Route name -> {"auc"/"cmax": its row}; a route is named on its first row only."""
    rows: dict[str, dict[str, Row]] = {}
    route = ""
    for line in printed.splitlines():
        found = ROW.match(line)
        if not found:
            continue
        route = found["route"] or route
        rows.setdefault(route, {})[MATCH_OF[found["match"]]] = Row(
            *(float(found[key]) for key in ("mg", "kg", "typical", "low", "high"))
        )
    return rows


def _words(printed: str) -> str:
    """The output as one line of words, so that a sentence wrapped over lines reads whole."""
    return " ".join(printed.split())


# Row name -> (route, infusion minutes). IV is over the reference 40 minutes unless the
# dose it is compared with is IV (CLINICAL.md C).
ROUTE_ROWS = {
    "Sublingual": ("sublingual", 0),
    "Oral (swallowed)": ("oral", 0),
    "Intranasal": ("intranasal", 0),
    "IV over 40 min": ("iv", 40),
    "IM": ("im", 0),
}
SOURCES = ["sublingual:100", "intranasal:56", "oral:150", "iv:35:40", "iv:35", "im:50"]


def test_equivalent_lists_the_at_home_routes_first_then_the_others() -> None:
    printed = _pk("equivalent", "--from", "sublingual:100", "--weight", "70")
    table = _table(printed)
    assert list(table) == list(ROUTE_ROWS)
    assert all(list(row) == ["auc", "cmax"] for row in table.values())
    assert "Doses matching Sublingual 100 mg (1.43 mg/kg) for a patient of 70 kg" in printed
    assert "Proposed dose" in printed
    assert "Typical" in printed
    assert "5-95% of patients" in printed


def _expected(item: pk.Equivalence, weight_kg: float) -> Row:
    return Row(
        round(item.dose_mg, 1),
        round(item.dose_mg / weight_kg, 2),
        round(item.typical_mg, 1),
        round(item.low_mg, 1),
        round(item.high_mg, 1),
    )


@pytest.mark.parametrize("weight", ["70", "45", "120"])
def test_equivalent_doses_are_the_models_proposed_typical_and_range(weight) -> None:
    weight_kg = float(weight)
    table = _table(_pk("equivalent", "--from", "sublingual:100", "--weight", weight))
    for name, (route, infusion_min) in ROUTE_ROWS.items():
        for match in ("auc", "cmax"):
            item = pk.equivalent_dose(
                "sublingual",
                100,
                route,
                weight_kg=weight_kg,
                match=match,
                to_infusion_min=infusion_min,
            )
            assert table[name][match] == _expected(item, weight_kg), (name, match)


@pytest.mark.parametrize("source", SOURCES)
def test_every_row_shows_its_range_and_proposes_no_more_than_the_typical_dose(source) -> None:
    printed = _pk("equivalent", "--from", source, "--weight", "70")
    peak_lines = [line for line in printed.splitlines() if "same peak" in line]
    table = _table(printed)
    # Every peak-based dose is shown only with its uncertainty: each of its lines parses
    # with a 5-95% range, one per route.
    assert len(peak_lines) == len(table) == len(ROUTE_ROWS)
    assert all(ROW.match(line) for line in peak_lines)
    for rows in table.values():
        assert set(rows) == {"auc", "cmax"}
        for row in rows.values():
            assert row.mg <= row.typical_mg
            assert row.low_mg <= row.high_mg


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("weight", ["30", "70", "250"])
def test_the_output_fits_100_columns(source, weight) -> None:
    printed = _pk("equivalent", "--from", source, "--weight", weight)
    assert max(len(line) for line in printed.splitlines()) <= 100


def test_the_route_the_dose_comes_from_matches_itself() -> None:
    table = _table(_pk("equivalent", "--from", "oral:150", "--weight", "60"))
    for row in table["Oral (swallowed)"].values():
        assert (row.mg, row.mg_per_kg, row.typical_mg) == (150.0, 2.5, 150.0)


@pytest.mark.parametrize(
    ("source", "iv_row", "infusion_min"),
    [
        ("iv:35:60", "IV over 60 min", 60),
        ("iv:35", "IV bolus", 0),
        ("intranasal:56", "IV over 40 min", 40),
    ],
)
def test_the_iv_row_is_given_as_the_iv_dose_is_or_else_over_40_minutes(
    source, iv_row, infusion_min
) -> None:
    route, dose = source.split(":")[:2]
    from_infusion_min = float(source.split(":")[2]) if source.count(":") == 2 else 0
    table = _table(_pk("equivalent", "--from", source, "--weight", "70", "--match", "cmax"))
    item = pk.equivalent_dose(
        route,
        float(dose),
        "iv",
        weight_kg=70,
        match="cmax",
        from_infusion_min=from_infusion_min,
        to_infusion_min=infusion_min,
    )
    assert table[iv_row] == {"cmax": _expected(item, 70)}


def test_the_notes_say_once_each_which_bioavailability_was_used_and_why() -> None:
    printed = _pk("equivalent", "--from", "intranasal:56", "--weight", "70")
    words = _words(printed)
    why = "Proposed: the dose computed with the bioavailability that gives the smaller dose"
    assert why in words
    # Every conversion's notes, in words, each once however many rows it applies to.
    notes = {
        note
        for route, infusion_min in ROUTE_ROWS.values()
        for match in ("auc", "cmax")
        for note in pk.equivalent_dose(
            "intranasal",
            56,
            route,
            weight_kg=70,
            match=match,
            to_infusion_min=infusion_min,
        ).notes
    }
    assert notes
    for note in notes:
        assert words.count(note[0].upper() + note[1:]) == 1, note
    assert "Intranasal bioavailability taken as 0.11, the lowest published" in words
    assert "Sublingual bioavailability taken as 0.32, the highest published" in words


def test_the_table_warns_where_the_model_is_weakest() -> None:
    words = _words(_pk("equivalent", "--from", "sublingual:100", "--weight", "70"))
    assert "published bioavailabilities of racemic ketamine conflict (0.11 to 0.45)" in words
    assert "The model uses the higher figure, 0.45" in words
    assert "A dose matched on the peak is shown only with this range." in words
    assert "published between-patient variability" in words
    assert "at once" not in words  # IM has an absorption now
    assert "not a prescription" in words


@pytest.mark.parametrize(("match", "heading"), [("auc", "same AUC"), ("cmax", "same peak")])
def test_equivalent_can_match_one_measure_only(match, heading) -> None:
    printed = _pk("equivalent", "--from", "intranasal:56", "--weight", "70", "--match", match)
    assert heading in printed
    assert ("same peak" if match == "auc" else "same AUC") not in printed
    table = _table(printed)
    item = pk.equivalent_dose("intranasal", 56, "sublingual", weight_kg=70, match=match)
    assert table["Sublingual"] == {match: _expected(item, 70)}


@pytest.mark.parametrize(
    ("args", "option", "allowed"),
    [
        (["--from", "rectal:100", "--weight", "70"], "--from", "sublingual"),
        (["--from", "sublingual", "--weight", "70"], "--from", "route:dose_mg"),
        (["--from", "sublingual:-1", "--weight", "70"], "--from", "above 0"),
        (["--from", "oral:100:30", "--weight", "70"], "--from", "for iv only"),
        (["--from", "iv:35", "--weight", "300"], "--weight", "30-250"),
        (["--from", "iv:35", "--weight", "70", "--match", "peak"], "--match", "auc, cmax, both"),
    ],
)
def test_equivalent_refuses_bad_input_naming_the_option(args, option, allowed) -> None:
    with pytest.raises(CommandError, match=re.escape(option)) as raised:
        _pk("equivalent", *args)
    assert allowed in str(raised.value)


def test_equivalent_turns_the_models_refusal_into_an_error(monkeypatch) -> None:
    monkeypatch.setattr(pk, "equivalent_dose", _refuse)
    with pytest.raises(CommandError, match=r"weight_kg must be .* from 40 to 200"):
        _pk("equivalent", "--from", "oral:150", "--weight", "35")


# --- the console script ----------------------------------------------------------------------


def test_the_ketacare_command_lists_pk(capsys) -> None:
    cli_main(["help"])
    assert re.search(r"^\s+pk$", capsys.readouterr().out, flags=re.MULTILINE)


def test_the_ketacare_command_runs_pk_equivalent(capsys) -> None:
    cli_main(["pk", "equivalent", "--from", "iv:35:40", "--weight", "70", "--match", "auc"])
    printed = capsys.readouterr().out
    assert "Doses matching IV 35 mg (0.50 mg/kg) over 40 min for a patient of 70 kg" in printed
    assert list(_table(printed)) == list(ROUTE_ROWS)
