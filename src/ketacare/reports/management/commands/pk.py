"""`ketacare pk`: preview a dose as plasma ketamine over time, and find equivalent doses.

    ketacare pk plot --route sublingual --dose 100 --weight 70 [--compare iv:35:40] -o preview.svg
    ketacare pk equivalent --from iv:35:40 --weight 70 [--match auc|cmax|both]

Both are model simulations (`ketacare.clinical.pk`), a starting point for the prescriber's
judgement, never a prescription. Nothing is written unless every option is valid.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.clinical import pk
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
        sub = parser.add_subparsers(dest="action", required=True, metavar="plot|equivalent")
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

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "plot":
            self._plot(options)
        else:
            self._equivalent(options)

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
                (target, [equivalent_mg(source, target, weight_kg, m) for m in matches])
                for target in equivalent_targets(source)
            ]
        except ValueError as error:  # the model's own bounds, should ours ever be wider
            raise CommandError(str(error)) from error
        for line in equivalent_table(source, weight_kg, matches, rows):
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


def equivalent_mg(source: Regimen, target: Regimen, weight_kg: float, match: str) -> float:
    """The dose in mg by the target route that gives the same AUC (or peak) as the source."""
    return float(
        pk.equivalent_dose(
            source.route,
            source.dose_mg,
            target.route,
            weight_kg=weight_kg,
            match=match,
            from_infusion_min=source.infusion_min or 0.0,
            to_infusion_min=target.infusion_min or 0.0,
        )
    )


def _target_name(target: Regimen) -> str:
    if target.route != "iv":
        return route_name(target.route)
    if target.infusion_min:
        return f"IV over {target.infusion_min:g} min"
    return "IV bolus"


def equivalent_table(
    source: Regimen,
    weight_kg: float,
    matches: tuple[str, ...],
    rows: list[tuple[Regimen, list[float]]],
) -> list[str]:
    """The equivalence table as text lines: one row per route, mg and mg/kg per match."""
    headings = {"auc": "Same AUC", "cmax": "Same peak (Cmax)"}
    width = max(len("Route"), *(len(_target_name(target)) for target, _ in rows)) + 2
    lines = [
        f"Doses matching {source.describe(weight_kg)} for a patient of {weight_kg:g} kg",
        "(model simulation of a typical patient: a starting point, not a prescription)",
        "",
        f"{'Route':<{width}}" + "".join(f"{headings[m]:<22}" for m in matches),
        f"{'':<{width}}" + f"{'mg':>8} {'mg/kg':>8}     " * len(matches),
    ]
    for target, doses in rows:
        cells = "".join(f"{mg:>8.1f} {mg / weight_kg:>8.2f}     " for mg in doses)
        lines.append(f"{_target_name(target):<{width}}{cells}")
    notes = model_notes(tuple(target.route for target, _ in rows))
    return [line.rstrip() for line in [*lines, "", *notes]]
