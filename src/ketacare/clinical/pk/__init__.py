"""Ketamine blood levels by route: a three-compartment model solved in closed form.

One dose by one route in, the plasma concentration curve out (ng/mL, CLINICAL.md B).
Every number is published population pharmacokinetics, cited where it is set in
`PkParameters` and tabled in docs/pharmacokinetics.md with the published observations the
model is tested against (`ketacare.clinical.pk_evidence`):

- disposition: three compartments. Racemic clearance is Kamp 2020's meta-analysis and the
  central volume CLINICAL.md B's; the two peripheral compartments are Perez-Ruixo 2021's
  (esketamine, 820 subjects), because S- and R-ketamine share their distribution kinetics
  (Henthorn 2018). Esketamine keeps Perez-Ruixo's own clearance and central volume.
- extravascular routes: first-order absorption, and first-pass metabolism as the part of
  a swallowed dose that never reaches the blood. Sublingual and intranasal doses are
  partly absorbed through the mucosa and partly swallowed (Perez-Ruixo 2021, Simons 2022).
- between patients: log-normal spreads of clearance, volumes, bioavailability and
  absorption from published population analyses (`population`, the 5-95% band).
- conversions between routes never err high (`equivalent_dose`, CLINICAL.md G11).

    from ketacare.clinical import pk
    p = pk.simulate("sublingual", dose_mg=100, weight_kg=70)
    p.t_h, p.conc_ng_ml, p.cmax_ng_ml, p.tmax_h, p.auc_ng_h_ml
    pk.equivalent_dose("iv", 35, "sublingual", weight_kg=70, from_infusion_min=40).dose_mg
    pop = pk.population("sublingual", 100, n=10_000, weight_kg=70, seed=1)
    pop.percentiles[50], pop.cmax_ng_ml

The solution is a sum of exponentials: the three disposition rates and one rate per
absorption. A dose that enters over a time (an IV infusion, or a swallowed dose emptied
from the stomach at a constant rate) adds each term as
exp(-r * max(t - T, 0)) * (1 - exp(-r * min(t, T))) / (r * T), computed with expm1.

Norketamine is left out: a metabolite model needs its own clearance and volumes, which
the sources give only for esketamine's metabolite (docs/pharmacokinetics.md, "Limits").

By topic:

- `figures`: routes, formulations, weights, the published bioavailabilities, units.
- `inputs`: checking what callers pass.
- `parameters`: every number of the model (`PkParameters`), and the typical values they
  give: a disposition by weight, each route's absorption rates and bioavailability.
- `compartments`: the three-compartment disposition and its exponential rates.
- `routes`: each route's pathways into the blood.
- `subjects`: the simulated patients, with their between-patient spreads.
- `closed_form`: the concentrations as a sum of exponentials.
- `typical`: one typical patient's curve (`simulate`).
- `populations`: many patients' percentile curves (`population`), made by `sweep`.
- `equivalence`: equivalent doses between routes (`equivalent_dose`).
"""

from __future__ import annotations

from ketacare.clinical.bands import RunningPercentiles as RunningPercentiles
from ketacare.clinical.pk.closed_form import concentrations_ng_ml
from ketacare.clinical.pk.compartments import Disposition
from ketacare.clinical.pk.equivalence import Equivalence, equivalent_dose
from ketacare.clinical.pk.figures import (
    FORMULATIONS,
    INTRANASAL_F_2022,
    INTRANASAL_F_RANGE_2022,
    INTRANASAL_F_YANAGIHARA_2003,
    IV_BIOAVAILABILITY,
    IV_REFERENCE_INFUSION_MIN,
    IV_REFERENCE_MG_PER_KG,
    MATCHES,
    MAX_INFUSION_MIN,
    PERCENTILES,
    PUBLISHED_F_RANGES,
    ROUTES,
    WEIGHT_RANGE_KG,
    Array,
    Formulation,
    InvalidPkInput,
    Match,
    Route,
)
from ketacare.clinical.pk.parameters import (
    DEFAULT_PARAMETERS,
    LOW_INTRANASAL_F_PARAMETERS,
    PkParameters,
    absorption_rates_per_h,
    disposition,
    route_bioavailability,
)
from ketacare.clinical.pk.populations import Population, population
from ketacare.clinical.pk.subjects import Pathway, Subjects
from ketacare.clinical.pk.sweep import _RowMaker as _RowMaker
from ketacare.clinical.pk.typical import Profile, simulate

__all__ = [
    "DEFAULT_PARAMETERS",
    "FORMULATIONS",
    "INTRANASAL_F_2022",
    "INTRANASAL_F_RANGE_2022",
    "INTRANASAL_F_YANAGIHARA_2003",
    "IV_BIOAVAILABILITY",
    "IV_REFERENCE_INFUSION_MIN",
    "IV_REFERENCE_MG_PER_KG",
    "LOW_INTRANASAL_F_PARAMETERS",
    "MATCHES",
    "MAX_INFUSION_MIN",
    "PERCENTILES",
    "PUBLISHED_F_RANGES",
    "ROUTES",
    "WEIGHT_RANGE_KG",
    "Array",
    "Disposition",
    "Equivalence",
    "Formulation",
    "InvalidPkInput",
    "Match",
    "Pathway",
    "PkParameters",
    "Population",
    "Profile",
    "Route",
    "Subjects",
    "absorption_rates_per_h",
    "concentrations_ng_ml",
    "disposition",
    "equivalent_dose",
    "population",
    "route_bioavailability",
    "simulate",
]

# From this many patients the population's rows are made in a second thread
# (`sweep._ahead`), up to `sweep._AHEAD_ROWS` time points ahead of their percentiles. Set
# here and read from here at every sweep, so that one assignment to pk._AHEAD_PATIENTS
# changes it (the tests and the benchmark lower or raise it).
_AHEAD_PATIENTS = 20_000
