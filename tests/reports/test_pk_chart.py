"""The dose preview picture: labelled, accessible, self-contained, small and reproducible."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from ketacare.clinical import pk
from ketacare.reports.pk_chart import (
    COMPARE_COLOUR,
    PLANNED_COLOUR,
    Regimen,
    iv_reference,
    model_notes,
    pk_preview,
    render_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
# The only addresses an SVG may carry are its namespace declarations.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
N = 300  # simulated patients: enough for a band, quick enough for a test


@pytest.fixture(scope="module")
def sublingual_svg() -> str:
    return render_svg(pk_preview("sublingual", 100, 70, n=N, seed=1))


def _root(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted XML


def _words(svg: str) -> str:
    """All the text a reader (or a screen reader) gets from the picture."""
    return " ".join(" ".join(_root(svg).itertext()).split())


def _child(root: ET.Element, tag: str) -> ET.Element:
    element = root.find(f"{SVG}{tag}")
    assert element is not None, f"no <{tag}> at the top of the SVG"
    return element


# --- what it says ----------------------------------------------------------------------------


def test_the_preview_is_an_svg_document_that_parses(sublingual_svg) -> None:
    root = _root(sublingual_svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox")
    assert sublingual_svg.startswith("<svg ")  # no prologue: it can be inlined in a page


def test_the_title_names_route_dose_weight_and_mg_per_kg(sublingual_svg) -> None:
    title = _child(_root(sublingual_svg), "title").text
    assert title == "Sublingual ketamine 100 mg for 70 kg (1.43 mg/kg)"
    assert title in _words(sublingual_svg)  # also drawn at the top of the chart


def test_the_description_gives_peak_time_and_area_of_both_doses_in_words(sublingual_svg) -> None:
    desc = _child(_root(sublingual_svg), "desc").text or ""
    mine = pk.simulate("sublingual", dose_mg=100, weight_kg=70)
    iv = pk.simulate("iv", dose_mg=35, weight_kg=70, infusion_min=40)
    assert "Planned dose: Sublingual 100 mg (1.43 mg/kg)" in desc
    assert f"peak {mine.cmax_ng_ml:.0f} ng/mL at {mine.tmax_h:.2f} hours" in desc
    assert f"total area under the curve {mine.auc_ng_h_ml:.0f} ng\u00b7h/mL" in desc
    assert "IV 35 mg (0.50 mg/kg) over 40 min, dashed line" in desc
    assert f"peak {iv.cmax_ng_ml:.0f} ng/mL at {iv.tmax_h:.2f} hours" in desc
    assert f"total area under the curve {iv.auc_ng_h_ml:.0f} ng\u00b7h/mL" in desc
    assert f"In 90% of {N} simulated patients the peak is between" in desc
    assert "not a measured level" in desc


def test_screen_readers_are_pointed_at_the_title_and_description(sublingual_svg) -> None:
    root = _root(sublingual_svg)
    assert root.get("role") == "img"
    labelled_by = (root.get("aria-labelledby") or "").split()
    assert labelled_by == [_child(root, "title").get("id"), _child(root, "desc").get("id")]


@pytest.mark.parametrize(
    "label",
    [
        "Plasma ketamine (ng/mL)",
        "Hours after the dose",
        "Sublingual 100 mg (1.43 mg/kg), median",
        f"Sublingual: 90% of {N} simulated patients (5th-95th percentile)",
        "IV 35 mg (0.50 mg/kg) over 40 min, dashed",
        "compared with IV 35 mg (0.50 mg/kg) over 40 min",
        "not a measured level",
        "Shaded: 90% of simulated patients, from published between-patient variability.",
    ],
)
def test_axes_legend_and_footnote_are_labelled_in_words(sublingual_svg, label) -> None:
    assert label in _words(sublingual_svg)


def test_the_legend_gives_each_dose_its_peak(sublingual_svg) -> None:
    mine = pk.simulate("sublingual", dose_mg=100, weight_kg=70)
    iv = pk.simulate("iv", dose_mg=35, weight_kg=70, infusion_min=40)
    words = _words(sublingual_svg)
    assert f"typical patient: peak {mine.cmax_ng_ml:.0f} ng/mL at {mine.tmax_h:.1f} h" in words
    assert f"typical patient: peak {iv.cmax_ng_ml:.0f} ng/mL at {iv.tmax_h:.1f} h" in words


def test_the_comparison_is_dashed_not_told_by_colour_alone(sublingual_svg) -> None:
    curves = list(_root(sublingual_svg).iter(f"{SVG}polyline"))
    dashed = [c for c in curves if c.get("stroke-dasharray") and c.get("stroke") == COMPARE_COLOUR]
    solid = [
        c for c in curves if c.get("stroke") == PLANNED_COLOUR and not c.get("stroke-dasharray")
    ]
    assert dashed, "the comparison line is not dashed"
    assert solid, "the median line is not solid"


@pytest.mark.parametrize(
    ("weight_kg", "expected"),
    [
        (70, "IV 35 mg (0.50 mg/kg) over 40 min"),
        (80, "IV 40 mg (0.50 mg/kg) over 40 min"),
        (55, "IV 27.5 mg (0.50 mg/kg) over 40 min"),
    ],
)
def test_the_default_comparison_is_the_iv_reference_half_a_mg_per_kg_over_40_min(
    weight_kg, expected
) -> None:
    assert iv_reference(weight_kg).describe(weight_kg) == expected
    preview = pk_preview("oral", 150, weight_kg, n=N)
    assert preview.compare == Regimen("iv", 0.5 * weight_kg, 40)


def test_any_comparison_can_be_drawn_instead() -> None:
    svg = render_svg(pk_preview("sublingual", 100, 70, compare=("intranasal", 50, None), n=N))
    words = _words(svg)
    assert "compared with Intranasal 50 mg (0.71 mg/kg)" in words
    assert "IV" not in words
    svg = render_svg(pk_preview("oral", 150, 70, compare=("iv", 35, 60), n=N))
    assert "Oral (swallowed) ketamine 150 mg for 70 kg (2.14 mg/kg)" in _words(svg)
    assert "IV 35 mg (0.50 mg/kg) over 60 min" in _words(svg)


INTRANASAL_NOTE = [
    "Intranasal: published bioavailabilities of racemic ketamine conflict (0.11 to 0.45).",
    "The model uses the higher figure, 0.45, so it never shows less exposure than may occur;",
    "dose conversions use whichever figure gives the smaller dose.",
]


@pytest.mark.parametrize(
    ("route", "compare", "notes"),
    [
        ("sublingual", None, []),
        ("intranasal", None, INTRANASAL_NOTE),
        ("sublingual", ("im", 50, None), []),
        ("sublingual", ("intranasal", 50, None), INTRANASAL_NOTE),
        ("intranasal", ("im", 50, None), INTRANASAL_NOTE),
    ],
)
def test_the_models_weak_points_are_footnoted_where_they_apply(route, compare, notes) -> None:
    svg = render_svg(pk_preview(route, 56, 70, compare=compare, n=N))
    desc = _child(_root(svg), "desc").text or ""
    for note in notes:
        assert note in _words(svg)
        assert note in desc
    assert ("bioavailabilit" in desc) == bool(notes)
    # IM has a published time to peak now (an absorption): nothing to warn of.
    assert "IM" not in desc.replace("IM 50 mg", "")
    assert "at once" not in desc


def test_the_intranasal_note_names_the_figure_the_model_really_uses() -> None:
    # "The model uses the higher figure" holds only while the model's default is the
    # highest published intranasal bioavailability.
    low_f, high_f = pk.PUBLISHED_F_RANGES["intranasal", "racemic"]
    assert pk.DEFAULT_PARAMETERS.intranasal_f == high_f > low_f
    assert model_notes(("intranasal",)) == [" ".join(INTRANASAL_NOTE)]
    assert model_notes(("sublingual", "oral", "im", "iv")) == []


def test_the_population_band_holds_the_median_and_the_typical_patient() -> None:
    preview = pk_preview("sublingual", 100, 70, n=N)
    assert all(preview.p5_ng_ml <= preview.median_ng_ml)
    assert all(preview.median_ng_ml <= preview.p95_ng_ml)
    low, high = preview.planned_cmax_5_95
    assert low <= preview.planned_typical.cmax_ng_ml <= high
    low, high = preview.planned_auc_5_95
    assert low <= preview.planned_typical.auc_ng_h_ml <= high


# --- what it must not do ---------------------------------------------------------------------


def test_the_svg_fetches_nothing_no_url_font_script_or_image(sublingual_svg) -> None:
    addresses = set(re.findall(r"https?://[^\s\"'<>)]+", sublingual_svg))
    assert addresses <= NAMESPACES
    for forbidden in ("<script", "<image", "<foreignObject", "@import", "@font-face", "<!DOCTYPE"):
        assert forbidden not in sublingual_svg
    # Every internal reference (clip paths, markers) points at an element of this picture.
    ids = {el.get("id") for el in _root(sublingual_svg).iter()}
    references = re.findall(r'(?:url\(|xlink:href=")#([^)"]+)', sublingual_svg)
    assert references
    assert set(references) <= ids


def test_two_charts_inlined_in_one_page_share_no_ids(sublingual_svg) -> None:
    other = render_svg(pk_preview("oral", 150, 70, n=N))
    first = [el.get("id") for el in _root(sublingual_svg).iter() if el.get("id")]
    second = [el.get("id") for el in _root(other).iter() if el.get("id")]
    assert len(first) == len(set(first))
    assert not set(first) & set(second)
    # The one stylesheet rule applies to this picture only, not to the page around it.
    assert re.search(r"<style[^>]*>\s*\*", sublingual_svg) is None


def test_the_svg_stays_small_with_the_default_population() -> None:
    svg = render_svg(pk_preview("sublingual", 100, 70))
    assert len(svg.encode()) < 200_000
    assert "90% of 2,000 simulated patients" in _words(svg)


def test_the_same_seed_draws_the_same_picture_and_another_seed_another_band() -> None:
    first = render_svg(pk_preview("intranasal", 56, 70, n=N, seed=7))
    assert render_svg(pk_preview("intranasal", 56, 70, n=N, seed=7)) == first
    assert render_svg(pk_preview("intranasal", 56, 70, n=N, seed=8)) != first


@pytest.mark.parametrize(("hours", "last_tick"), [(12, "12"), (6, "6"), (24, "24")])
def test_the_time_axis_runs_to_the_hours_asked_for(hours, last_tick) -> None:
    svg = render_svg(pk_preview("sublingual", 100, 70, n=N, hours=hours))
    ticks = [
        el.text
        for group in _root(svg).iter(f"{SVG}g")
        if group.get("class") == "x-ticks"
        for el in group.iter(f"{SVG}text")
    ]
    assert ticks[0] == "0"
    assert ticks[-1] == last_tick


@pytest.mark.parametrize("hours", [0, -1, math.nan, math.inf, True, "12"])
def test_a_time_axis_of_no_hours_is_refused(hours) -> None:
    with pytest.raises(ValueError, match="hours"):
        render_svg(pk_preview("sublingual", 100, 70, n=N, hours=hours))


@pytest.mark.parametrize(
    ("route", "dose_mg", "weight_kg", "compare", "field"),
    [
        ("rectal", 100, 70, None, "route"),
        ("sublingual", 0, 70, None, "dose_mg"),
        ("sublingual", 100, 29, None, "weight_kg"),
        ("sublingual", 100, 70, ("oral", 100, 30), "infusion_min"),
    ],
)
def test_the_model_refuses_what_it_cannot_simulate(
    route, dose_mg, weight_kg, compare, field
) -> None:
    with pytest.raises(pk.InvalidPkInput, match=field):
        render_svg(pk_preview(route, dose_mg, weight_kg, compare=compare, n=N))


def test_the_chart_needs_neither_django_nor_pyplot() -> None:
    # A fresh interpreter: the plan editor and the command share this function, and
    # pyplot's global figure state must never be touched in a server.
    code = (
        "import sys\n"
        "from ketacare.reports.pk_chart import pk_preview, render_svg\n"
        "svg = render_svg(pk_preview('sublingual', 100, 70, n=200))\n"
        "assert svg.startswith('<svg '), svg[:40]\n"
        "loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
        "assert not loaded, loaded\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
