"""`make bench`: speed targets measured on a fresh SQLite database.

Targets (issue: platform foundation):
- `ketacare demo --patients 10000` (patients with their users, sitters, consents,
  phase history and audit entries; the first 200 with their whole journey replayed
  through the services) in under 60 s on SQLite;
- `ketacare audit verify` over the resulting chain, reported for reference;
- the clinician panel on those patients (benchmarks/workspace.py: each page < 1 s).
- the cohort report's trajectory model on 10,000 synthetic patients, as a ratio to one
  Gaussian mixture fit on the same data (benchmarks/outcomes.py; for reference).
Exits non-zero when a target is missed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "10000"))
DEMO_TARGET_S = 60.0


def _ketacare(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ketacare.cli", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{db}"}
        _ketacare(env, "migrate", "--noinput", "-v", "0")
        demo_s = _ketacare(env, "demo", "--patients", str(PATIENTS), "--clinic", "Bench clinic")
        verify_s = _ketacare(env, "audit", "verify")
        size_mb = db.stat().st_size / 1e6
        panel = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("workspace.py"))], env=env, check=False
        )
    trajectories = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("outcomes.py"))], check=False
    )
    print(f"demo --patients {PATIENTS}: {demo_s:.1f} s (target < {DEMO_TARGET_S:.0f} s)")
    print(f"audit verify over the demo's chain: {verify_s:.1f} s")
    print(f"database size: {size_mb:.1f} MB")
    if demo_s >= DEMO_TARGET_S:
        print("FAILED: demo load is over its target")
        return 1
    if panel.returncode:
        print("FAILED: a panel page is over its target")
        return 1
    if trajectories.returncode:
        print("FAILED: the trajectory model benchmark did not run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
