"""The published rows: ketamine blood levels after a dose, by route, as each source gave them.

Every row is a figure a study or a label published (docs/pharmacokinetics.md lists the
references in full), with its spread as published. A row the model is more than 2x off
says why (`Observation.miss`); a row that is also one of the model's inputs is marked
`independent=False`, since agreement there proves nothing.
"""

from __future__ import annotations

from ketacare.clinical.pk_evidence.observation import (
    _MIN_PER_H,
    ASSUMED_WEIGHT_KG,
    Observation,
    Quantity,
    _mg,
    _umol,
)

_SINGH = "Singh 2022"  # Pharmacotherapy 42:298, Table 6: geometric mean (geometric SD)
_SINGH_WHO = "cancer-pain patients on opioids"
_CHONG = "Chong 2006"  # Pain Med 7:469: mean +/- SD
_CHONG_WHO = "6 patients with neuropathic pain"
_IN_F_MISS = (
    "Bioavailability: the model takes Yanagihara 2003's F 0.45; this study measured "
    "0.11-0.17 (CLINICAL.md B: conflicting). With the study's own F "
    "(pk.LOW_INTRANASAL_F_PARAMETERS) the model's AUC is within 2x. The model errs towards "
    "more exposure, never less; its peak is within 2x of this study's."
)
_SL_TMAX_MISS = (
    "The model's curve has two peaks of the same height: the part absorbed through the "
    "mouth (13 min, Simons 2022) at 19 min and the swallowed part at 33 min, and stays "
    "within 5% of its peak from 12 to 39 min. The higher is the first, inside Rolan 2014's "
    "range (15-60 min) but before the median. The peak height and the AUC are within 2x; "
    "an earlier modelled peak starts the after-dose watch no later than the real one."
)
_HUGE_TMAX_MISS = (
    "Huge 2010 gave S-ketamine solution with a mucosal atomiser to patients in pain; the "
    "model follows the Spravato device's population model (Perez-Ruixo 2021), whose label "
    "gives a peak at 20-40 min. The peak height is within 2x."
)

_HUGE_ROWS: tuple[tuple[float, Quantity, float, str], ...] = (
    (0.2, "cmax", 27.7, "27.7 +/- 5.9 ng/mL"),
    (0.2, "tmax", 10 / _MIN_PER_H, "10 +/- 6.3 min"),
    (0.4, "cmax", 34.3, "34.3 +/- 22.2 ng/mL"),
    (0.4, "tmax", 13.8 / _MIN_PER_H, "13.8 +/- 4.8 min"),
)

OBSERVATIONS: tuple[Observation, ...] = (
    # --- IV -------------------------------------------------------------------------------
    Observation(
        _SINGH,
        "iv",
        10,
        f"9 {_SINGH_WHO}",
        "concentration",
        296,
        "296 ng/mL (1.71) at 2 min",
        at_h=2 / _MIN_PER_H,
        note="The peak was reached at 2 min (its time to peak); the injection time is not "
        "given, so the model gives a bolus and is read at 2 min.",
    ),
    Observation(_SINGH, "iv", 10, f"9 {_SINGH_WHO}", "auc", 113, "113 ug.h/L"),
    Observation(
        "Zarate 2006 (in Zanos 2018)",
        "iv",
        _mg(0.5),
        "patients with depression",
        "cmax",
        185,
        "185 ng/mL",
        infusion_min=40,
    ),
    Observation(
        "Krystal 1994 (in Zanos 2018)",
        "iv",
        _mg(0.5),
        "healthy volunteers",
        "cmax",
        100,
        "100-250 ng/mL",
        infusion_min=40,
        high=250,
    ),
    Observation(
        "Lahti 2001 (in Zanos 2018)",
        "iv",
        _mg(0.3),
        "patients with schizophrenia",
        "cmax",
        120,
        "120 ng/mL",
        miss="The published peak is the first blood sample after the bolus, at a time not "
        "given; a bolus peaks as it is injected (the model: dose over the central volume). "
        "The model falls to 120 ng/mL 17 min after the bolus.",
    ),
    Observation(
        "Idvall 1979",
        "iv",
        _mg(2),
        "31 surgical patients",
        "steady state",
        _umol(9.3),
        "9.3 +/- 0.8 umol/L during 41 ug/kg/min",
        rate_mg_per_h=0.041 * ASSUMED_WEIGHT_KG * _MIN_PER_H,
        note="Steady state during an infusion: the infusion rate over clearance.",
    ),
    Observation(
        "Ketalar label",
        "iv",
        10,
        "adults",
        "distribution half-life",
        10 / _MIN_PER_H,
        "10-15 min",
        high=15 / _MIN_PER_H,
        note="Read off the model's bolus curve from 5 to 45 min (the label's phase lasts "
        "about 45 min).",
    ),
    Observation(
        "Ketalar label",
        "iv",
        10,
        "adults",
        "terminal half-life",
        2.5,
        "2.5 h",
        note="Read off the model's bolus curve from 2 to 8 h.",
    ),
    Observation(
        "Yanagihara 2003",
        "iv",
        20,
        "3 healthy volunteers",
        "terminal half-life",
        2.0,
        "about 120 min",
        note="Read off the model's bolus curve from 2 to 8 h.",
    ),
    # --- IM -------------------------------------------------------------------------------
    Observation(
        "Hirlinger 1984",
        "im",
        _mg(0.5),
        "20 injured adults, two doses",
        "cmax",
        147,
        "147 ng/mL (median)",
    ),
    Observation(
        "Hirlinger 1984",
        "im",
        _mg(0.5),
        "20 injured adults, two doses",
        "tmax",
        0.5,
        "30 min (median)",
    ),
    Observation(
        "Hirlinger 1984",
        "im",
        _mg(1.0),
        "20 injured adults, two doses",
        "cmax",
        474,
        "474 ng/mL (median)",
    ),
    Observation(
        "Hirlinger 1984",
        "im",
        _mg(1.0),
        "20 injured adults, two doses",
        "tmax",
        0.25,
        "15 min (median)",
        independent=False,
        note="The model's IM absorption is fitted to it.",
    ),
    # --- Oral -----------------------------------------------------------------------------
    Observation(
        "Grant 1981 (in Zanos 2018)",
        "oral",
        _mg(0.5),
        "not given",
        "cmax",
        45,
        "45 +/- 10 ng/mL",
    ),
    Observation(_CHONG, "oral", 25, _CHONG_WHO, "cmax", 22.8, "22.8 +/- 12.8 ug/L"),
    Observation(_CHONG, "oral", 25, _CHONG_WHO, "tmax", 0.96, "0.96 +/- 0.8 h"),
    Observation(
        _CHONG,
        "oral",
        25,
        _CHONG_WHO,
        "auc",
        3.1 * 25,
        "3.1 +/- 0.7 ug.h/L per mg",
        independent=False,
        note="Chong is one of the sources of the oral F.",
    ),
    # --- Sublingual -----------------------------------------------------------------------
    Observation(_CHONG, "sublingual", 25, _CHONG_WHO, "cmax", 28.6, "28.6 +/- 6.6 ug/L"),
    Observation(
        _CHONG,
        "sublingual",
        25,
        _CHONG_WHO,
        "tmax",
        0.76,
        "0.76 +/- 0.51 h",
        miss=_SL_TMAX_MISS,
    ),
    Observation(
        _CHONG,
        "sublingual",
        25,
        _CHONG_WHO,
        "auc",
        4.0 * 25,
        "4.0 +/- 1.9 ug.h/L per mg",
        independent=False,
        note="Chong is one of the sources of the sublingual F.",
    ),
    Observation(
        "Rolan 2014",
        "sublingual",
        25,
        "8 healthy men (wafer)",
        "tmax",
        0.75,
        "0.75 h (median; 0.25-1.0)",
        miss=_SL_TMAX_MISS,
    ),
    # --- Intranasal, racemic ----------------------------------------------------------------
    *(
        Observation(_SINGH, "intranasal", dose, f"{n} {_SINGH_WHO}", "cmax", cmax, published)
        for dose, n, cmax, published in (
            (10, 7, 22.9, "22.9 ng/mL (1.97)"),
            (30, 10, 60.8, "60.8 ng/mL (1.90)"),
            (50, 10, 77.6, "77.6 ng/mL (2.29)"),
        )
    ),
    *(
        Observation(
            _SINGH,
            "intranasal",
            dose,
            f"{n} {_SINGH_WHO}",
            "tmax",
            minutes / _MIN_PER_H,
            published,
        )
        for dose, n, minutes, published in (
            (10, 7, 23, "23 min (3.0)"),
            (30, 10, 14, "14 min (3.8)"),
            (50, 10, 16, "16 min (4.4)"),
        )
    ),
    *(
        Observation(
            _SINGH,
            "intranasal",
            dose,
            f"{n} {_SINGH_WHO}",
            "auc",
            auc,
            f"{auc:g} ug.h/L",
            miss=_IN_F_MISS,
        )
        for dose, n, auc in ((10, 7, 19), (30, 10, 46), (50, 10, 64))
    ),
    # --- Intranasal, esketamine ---------------------------------------------------------------
    Observation(
        "Spravato label",
        "intranasal",
        56,
        "adults",
        "tmax",
        20 / _MIN_PER_H,
        "20-40 min",
        formulation="esketamine",
        high=40 / _MIN_PER_H,
    ),
    *(
        Observation(
            "Huge 2010",
            "intranasal",
            _mg(per_kg),
            "patients with neuropathic pain",
            quantity,
            value,
            published,
            formulation="esketamine",
            miss=_HUGE_TMAX_MISS if quantity == "tmax" else "",
        )
        for per_kg, quantity, value, published in _HUGE_ROWS
    ),
    *(
        Observation(
            "Perez-Ruixo 2021",
            "intranasal",
            dose,
            "population model, adults 18-60",
            "cmax",
            cmax,
            f"{cmax:g} ng/mL (typical)",
            formulation="esketamine",
            independent=False,
            note="The population model the esketamine disposition and absorption come from.",
        )
        for dose, cmax in ((28, 43.8), (56, 72.5), (84, 101.0))
    ),
)
