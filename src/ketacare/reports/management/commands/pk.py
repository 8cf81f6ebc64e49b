"""`ketacare pk`: preview a dose as plasma ketamine over time, and find equivalent doses.

    ketacare pk plot --route sublingual --dose 100 --weight 70 [--compare iv:35:40] -o preview.svg
    ketacare pk equivalent --from iv:35:40 --weight 70 [--match auc|cmax|both]
    ketacare pk evidence [--markdown] [--svg docs/pharmacokinetics-evidence.svg]

Both are model simulations (`ketacare.clinical.pk`), a starting point for the prescriber's
judgement, never a prescription. `pk equivalent` proposes the cautious dose (CLINICAL.md
G11) beside the typical patient's and the 5-95% range between simulated patients, and says
which bioavailability each conversion used. `pk evidence` holds the model against published
observations: a summary, the docs' table (--markdown) and figure (--svg). Nothing is written
unless every option is valid.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.clinical import pk
from ketacare.reports import pk_evidence
from ketacare.reports.pk_chart import (
    AUC_UNIT,
    IV_REFERENCE_INFUSION_MIN,
    Exposure,
    PkPreview,
    Regimen,
    model_notes,
    pk_preview,
    render_svg,
    route_name,
)

ROUTES = pk.ROUTES
AT_HOME_ROUTES = ("sublingual", "oral", "intranasal")  # the table lists these first
MIN_WEIGHT_KG, MAX_WEIGHT_KG = pk.WEIGHT_RANGE_KG
# Population size: below 100 the 5th and 95th percentiles rest on a handful of simulated
# patients; above 100,000 the preview takes long for no visible gain (a software bound).
MIN_PATIENTS, MAX_PATIENTS = 100, 100_000
MATCHES = ("auc", "cmax", "both")


def parse_route(option: str, value: str) -> str:
    route = value.strip().lower()
    if route not in ROUTES:
        raise CommandError(f"{option} {value!r} is not a route; use one of {', '.join(ROUTES)}.")
    return route


def parse_positive(option: str, value: str, what: str) -> float:
    """A number above zero (a dose in mg, an infusion in minutes); NaN and inf are refused."""
    try:
        number = float(value)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a number; give {what} above 0.") from None
    if not math.isfinite(number) or number <= 0:
        raise CommandError(f"{option} {value!r}: give {what} above 0.")
    return number


def parse_weight(value: str) -> float:
    try:
        weight_kg = float(value)
    except ValueError:
        raise CommandError(f"--weight {value!r} is not a number of kg.") from None
    if not MIN_WEIGHT_KG <= weight_kg <= MAX_WEIGHT_KG:  # NaN fails this too
        raise CommandError(
            f"--weight {value!r} kg is outside {MIN_WEIGHT_KG:g}-{MAX_WEIGHT_KG:g} kg."
        )
    return weight_kg


def parse_regimen(option: str, value: str) -> Regimen:
    """`route:dose_mg` or, for IV only, `iv:dose_mg:infusion_min` (e.g. iv:35:40)."""
    parts = value.split(":")
    if len(parts) not in {2, 3}:
        raise CommandError(
            f"{option} {value!r} is not route:dose_mg or iv:dose_mg:infusion_min "
            "(e.g. iv:35:40 or sublingual:100)."
        )
    route = parse_route(option, parts[0])
    dose_mg = parse_positive(option, parts[1], "a dose in mg")
    if len(parts) == 2:  # noqa: PLR2004 - route and dose, no infusion time
        return Regimen(route, dose_mg)
    if route != "iv":
        raise CommandError(f"{option} {value!r}: an infusion time is for iv only.")
    return Regimen(route, dose_mg, parse_positive(option, parts[2], "an infusion time in min"))


def parse_count(option: str, value: str, low: int, high: int) -> int:
    try:
        count = int(value)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a whole number.") from None
    if not low <= count <= high:
        raise CommandError(f"{option} {count} is outside {low:,}-{high:,}.")
    return count


def parse_output(value: str) -> Path:
    path = Path(value)
    if path.is_dir():
        raise CommandError(f"-o/--output {value!r} is a folder; give a file name such as x.svg.")
    if not path.parent.is_dir():
        raise CommandError(
            f"-o/--output {value!r}: the folder {str(path.parent)!r} does not exist."
        )
    return path


def exposure_table(preview: PkPreview) -> list[str]:
    """Peak, time to peak and AUC of both doses, and the population's range, as text lines."""
    weight_kg = preview.weight_kg
    (low_cmax, high_cmax), (low_auc, high_auc) = preview.planned_cmax_5_95, preview.planned_auc_5_95
    rows = [
        ("", "Peak (Cmax)", "Tmax", "AUC(0-inf)"),
        (
            f"{preview.planned.describe(weight_kg)}, typical patient",
            *_exposure_cells(preview.planned_typical),
        ),
        (
            f"  90% of {preview.n:,} simulated patients",
            f"{low_cmax:.0f}-{high_cmax:.0f} ng/mL",
            "",
            f"{low_auc:.0f}-{high_auc:.0f} {AUC_UNIT}",
        ),
        (
            f"{preview.compare.describe(weight_kg)}, typical patient",
            *_exposure_cells(preview.compare_typical),
        ),
    ]
    width = max(len(row[0]) for row in rows)
    lines = [f"{a:<{width}}  {b:>14}  {c:>7}  {d:>18}".rstrip() for a, b, c, d in rows]
    return [*lines, "Model simulation, not a measured level."]


def _exposure_cells(exposure: Exposure) -> tuple[str, str, str]:
    return (
        f"{exposure.cmax_ng_ml:.0f} ng/mL",
        f"{exposure.tmax_h:.2f} h",
        f"{exposure.auc_ng_h_ml:.0f} {AUC_UNIT}",
    )


class Command(BaseCommand):
    help = "Pharmacokinetic previews: `pk plot` draws a dose over time, `pk equivalent` a table."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="plot|equivalent|evidence"
        )
        plot = sub.add_parser("plot", help="Draw plasma ketamine over time as an SVG.")
        plot.add_argument("--route", required=True, help=f"One of {', '.join(ROUTES)}.")
        plot.add_argument("--dose", required=True, help="The dose in mg.")
        plot.add_argument("--weight", required=True, help="The patient's weight in kg.")
        plot.add_argument(
            "--compare",
            help="route:dose_mg[:infusion_min] to draw beside it "
            "(default: the IV reference, 0.5 mg/kg over 40 min).",
        )
        plot.add_argument("-o", "--output", required=True, help="The SVG file to write.")
        plot.add_argument("--n", default="2000", help="Simulated patients (default 2000).")
        plot.add_argument("--seed", default="1", help="Random seed (default 1).")
        equivalent = sub.add_parser(
            "equivalent", help="Doses by each route that match a dose's AUC and peak."
        )
        equivalent.add_argument(
            "--from",
            dest="source",
            required=True,
            help="route:dose_mg[:infusion_min], e.g. iv:35:40.",
        )
        equivalent.add_argument("--weight", required=True, help="The patient's weight in kg.")
        equivalent.add_argument("--match", default="both", help="auc, cmax or both (default).")
        evidence = sub.add_parser(
            "evidence", help="The model against published observations: summary, table, figure."
        )
        evidence.add_argument(
            "--markdown", action="store_true", help="Print the docs' observation table."
        )
        evidence.add_argument("--svg", help="Write the docs' figure to this SVG file.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "plot":
            self._plot(options)
        elif options["action"] == "evidence":
            self._evidence(options)
        else:
            self._equivalent(options)

    def _evidence(self, options: dict[str, Any]) -> None:
        output = None if options["svg"] is None else parse_output(options["svg"])
        if options["markdown"]:
            self.stdout.write(pk_evidence.table_markdown())
        else:
            for line in pk_evidence.summary_lines():
                self.stdout.write(line)
        if output is not None:
            svg = pk_evidence.figure_svg()
            output.write_text(svg, encoding="utf-8")
            self.stderr.write(f"Wrote {output} ({len(svg.encode()) // 1024} kB).")

    def _plot(self, options: dict[str, Any]) -> None:
        route = parse_route("--route", options["route"])
        dose_mg = parse_positive("--dose", options["dose"], "a dose in mg")
        weight_kg = parse_weight(options["weight"])
        compare = (
            None if options["compare"] is None else parse_regimen("--compare", options["compare"])
        )
        n = parse_count("--n", options["n"], MIN_PATIENTS, MAX_PATIENTS)
        seed = parse_count("--seed", options["seed"], 0, 2**32 - 1)
        output = parse_output(options["output"])
        try:
            preview = pk_preview(route, dose_mg, weight_kg, compare=compare, n=n, seed=seed)
            svg = render_svg(preview)
        except ValueError as error:  # the model's own bounds, should ours ever be wider
            raise CommandError(str(error)) from error
        output.write_text(svg, encoding="utf-8")
        self.stdout.write(f"Wrote {output} ({len(svg.encode()) // 1024} kB).")
        for line in exposure_table(preview):
            self.stdout.write(line)

    def _equivalent(self, options: dict[str, Any]) -> None:
        source = parse_regimen("--from", options["source"])
        weight_kg = parse_weight(options["weight"])
        match = options["match"].strip().lower()
        if match not in MATCHES:
            raise CommandError(f"--match {options['match']!r}: use one of {', '.join(MATCHES)}.")
        matches = ("auc", "cmax") if match == "both" else (match,)
        try:
            rows = [
                (target, [equivalence(source, target, weight_kg, m) for m in matches])
                for target in equivalent_targets(source)
            ]
        except ValueError as error:  # the model's own bounds, should ours ever be wider
            raise CommandError(str(error)) from error
        for line in equivalent_table(source, weight_kg, rows):
            self.stdout.write(line)


def equivalent_targets(source: Regimen) -> list[Regimen]:
    """The routes of the table, the at-home ones first, each as a 1 mg placeholder dose.

    IV is given as the source gives it, or else over the reference 40 minutes (CLINICAL.md
    C): a bolus peaks far higher than the infusion a clinic would give.
    """
    iv_infusion_min = source.infusion_min if source.route == "iv" else IV_REFERENCE_INFUSION_MIN
    others = (route for route in ROUTES if route not in AT_HOME_ROUTES)
    return [
        Regimen(route, 1.0, iv_infusion_min if route == "iv" else None)
        for route in (*AT_HOME_ROUTES, *others)
    ]


def equivalence(source: Regimen, target: Regimen, weight_kg: float, match: str) -> pk.Equivalence:
    """The dose by the target route that gives the same AUC (or peak) as the source."""
    return pk.equivalent_dose(
        source.route,
        source.dose_mg,
        target.route,
        weight_kg=weight_kg,
        match=match,
        from_infusion_min=source.infusion_min or 0.0,
        to_infusion_min=target.infusion_min or 0.0,
    )


def _target_name(target: Regimen) -> str:
    if target.route != "iv":
        return route_name(target.route)
    if target.infusion_min:
        return f"IV over {target.infusion_min:g} min"
    return "IV bolus"


MATCH_NAMES = {"auc": "same AUC", "cmax": "same peak (Cmax)"}
TABLE_WIDTH = 100  # columns: the table and its notes fit a terminal this wide
# Why the proposed dose may be below the typical patient's (CLINICAL.md G11).
PROPOSED_KEY = (
    "Proposed: the dose computed with the bioavailability that gives the smaller dose (the "
    "lowest published figure for the route the dose comes from, the highest for the route "
    "it goes to), so that a conversion never errs high (CLINICAL.md G11)."
)
SPREAD_KEY = (
    "Typical: the model's typical patient. 5-95% of patients: the matching dose in 90% of "
    "simulated patients, each with their own clearance, volumes, bioavailability and "
    "absorption (published between-patient variability). A dose matched on the peak is "
    "shown only with this range."
)


def equivalent_table(
    source: Regimen,
    weight_kg: float,
    rows: list[tuple[Regimen, list[pk.Equivalence]]],
) -> list[str]:
    """The equivalence table as text lines, then what its figures rest on, in words.

    One row per route and measure matched: the proposed (cautious) dose in mg and mg/kg,
    the typical patient's dose and the 5-95% range between simulated patients.
    """
    width = max(len("Route"), *(len(_target_name(target)) for target, _ in rows)) + 2
    match_width = max(len(name) for name in MATCH_NAMES.values()) + 2
    lines = [
        f"Doses matching {source.describe(weight_kg)} for a patient of {weight_kg:g} kg",
        "(model simulation: a starting point for the prescriber's judgement, not a prescription)",
        "",
        (
            f"{'Route':<{width}}{'Matching':<{match_width}}"
            f"{'Proposed dose':>21}  {'Typical':>10}  {'5-95% of patients':>19}"
        ),
    ]
    for target, equivalences in rows:
        name = _target_name(target)
        for item in equivalences:
            spread = f"{item.low_mg:.1f}-{item.high_mg:.1f} mg"
            lines.append(
                f"{name:<{width}}{MATCH_NAMES[item.match]:<{match_width}}"
                f"{item.dose_mg:>8.1f} mg {item.dose_mg / weight_kg:>6.2f} mg/kg"
                f"  {item.typical_mg:>7.1f} mg  {spread:>19}"
            )
            name = ""  # the route is named on its first row only
    notes = dict.fromkeys(  # each once, in the order the table first needs it
        _sentence(note) for _, equivalences in rows for item in equivalences for note in item.notes
    )
    words = [
        *_wrap(PROPOSED_KEY),
        *(line for note in notes for line in _wrap(note, bullet="- ")),
        *_wrap(SPREAD_KEY),
        *(line for note in model_notes(tuple(t.route for t, _ in rows)) for line in _wrap(note)),
    ]
    return [line.rstrip() for line in [*lines, "", *words]]


def _wrap(text: str, bullet: str = "") -> list[str]:
    return textwrap.wrap(
        text,
        TABLE_WIDTH,
        initial_indent=bullet,
        subsequent_indent=" " * len(bullet),
        break_on_hyphens=False,
    )


def _sentence(text: str) -> str:
    """A note of the model as a sentence: a capital first letter."""
    return text[:1].upper() + text[1:]
