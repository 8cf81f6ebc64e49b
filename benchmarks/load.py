"""`make bench-load`: concurrent writes through real servers on one PostgreSQL database.

The way a clinic grows past one machine: two `ketacare serve` processes (gunicorn, W workers
x T threads each) and two `ketacare worker` processes on one PostgreSQL database, under C
concurrent clients (default 32) writing for the same few demo patients for S seconds
(default 60): PHQ-9 by the patients, GAD-7 by the coordinator, adverse events by a
clinician, through the API with bearer tokens; the clients alternate between the servers.
Then the same load against `ketacare run` (Django's development server), and against a
bare Django endpoint that inserts one row, served the same way (the stack's ceiling:
benchmarks/ceiling_settings.py, not part of the product).

Reports per run: requests/s, p50/p99 latency, 5xx answers, connection errors, other
statuses, and the most PostgreSQL connections to the database seen in pg_stat_activity
(sampled every 0.2 s). Exits non-zero when `serve` answered a 5xx, lost a connection, or
held more connections than its bound (servers x workers x threads + the two workers).
A benchmark, not a test: it runs for minutes and needs PostgreSQL (BENCH_PG, default
postgres://postgres@127.0.0.1:5432, database ketacare_bench_load, dropped and made anew).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = os.environ.get("BENCH_DB", "ketacare_bench_load")
PHQ9 = [1, 2, 0, 3, 1, 0, 2, 1, 0]
GAD7 = [1, 1, 0, 2, 1, 0, 1]
AE = {"description": "Nausea", "severity": "mild", "serious": False, "outcome": "recovering"}
# Run inside `python -c` on the loaded database: the demo patients and staff to write as,
# with a token each (issued by the service itself: no sign-in, no second factor).
SETUP = """
import json, django
django.setup()
from ketacare.accounts.roles import Role
from ketacare.accounts.models import User
from ketacare.api.services import issue_token
from ketacare.patients.models import Patient
patients = list(Patient.objects.filter(user__isnull=False, phase__in=["induction", "maintenance"])
                .order_by("pk")[:{patients}])
staff = User.objects.filter(clinic=patients[0].clinic).order_by("pk")
coordinator = next(u for u in staff if u.has_role(Role.COORDINATOR))
clinician = next(u for u in staff if u.has_role(Role.CLINICIAN))
print(json.dumps({{
    "patients": [[p.pk, issue_token(p.user)[1]] for p in patients],
    "coordinator": issue_token(coordinator)[1],
    "clinician": issue_token(clinician)[1],
}}))
"""


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)

    def error(self, exc: Exception) -> None:
        with self.lock:
            self.connection_errors[type(exc).__name__] += 1


def ketacare(*args: str) -> list[str]:
    return [sys.executable, "-m", "ketacare.cli", *args]


def environment(work: Path, *, settings: str = "ketacare.settings") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=f"{PG}/{DB}",
        SECRET_KEY="bench-load-not-a-secret",  # noqa: S106 - a throwaway database
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_URL="console:",
        PYTHONPATH=str(HERE),
        KETACARE_DATA_DIR=str(work),
        KETACARE_SITE_URL="http://127.0.0.1:8000",
    )
    env.setdefault("KETACARE_AUDIT_KEY", "bench-load-audit-key-not-a-secret-0123456789")
    env.setdefault("KETACARE_AUDIT_CHECKPOINT_FILE", str(work / "checkpoints.jsonl"))
    return env


def prepare(env: dict[str, str], patients: int, *, reuse: bool) -> dict[str, object]:
    if not reuse:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{DB}"')
        started = time.perf_counter()
        subprocess.run(ketacare("migrate", "-v", "0"), env=env, check=True)
        subprocess.run(ketacare("demo"), env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"migrated and loaded the demo clinic in {time.perf_counter() - started:.0f} s")
        with psycopg.connect(f"{PG}/{DB}", autocommit=True) as db:
            db.execute("CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, body text NOT NULL)")
    found = subprocess.run(
        [sys.executable, "-c", SETUP.format(patients=patients)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(found.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def requests_for(plan: dict[str, object], client: int) -> list[tuple[str, str, str]]:
    """The writes one client cycles through: (token, path, body) for its patient."""
    patients: list[list[object]] = plan["patients"]  # type: ignore[assignment]
    patient_id, patient_token = patients[client % len(patients)]
    base = f"/api/v1/patients/{patient_id}"
    return [
        (
            str(patient_token),
            f"{base}/questionnaires",
            json.dumps({"instrument": "phq9", "answers": PHQ9}),
        ),
        (
            str(plan["coordinator"]),
            f"{base}/questionnaires",
            json.dumps({"instrument": "gad7", "answers": GAD7}),
        ),
        (str(plan["clinician"]), f"{base}/adverse-events", json.dumps(AE)),
    ]


def client_loop(
    port: int,
    writes: list[tuple[str, str, str]],
    until: float,
    tally: Tally,
    path_override: str | None,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    turn = random.randrange(len(writes))  # noqa: S311 - spreads the kinds, not security
    while time.monotonic() < until:
        token, path, body = writes[turn % len(writes)]
        turn += 1
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        try:
            connection.request("POST", path_override or path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            tally.error(exc)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        tally.add(response.status, time.perf_counter() - started)
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.close()


def sample_connections(stop: threading.Event, seen: list[int]) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        while not stop.is_set():
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [DB]
            ).fetchone()
            seen.append(int(row[0]) if row else 0)
            stop.wait(0.2)


def wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(1500):  # a loaded machine starts a server slowly
        if process.poll() is not None:
            raise SystemExit(f"the server on port {port} exited ({process.returncode})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status < 500:  # noqa: PLR2004
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server on port {port} never answered /healthz")


def start(
    commands: list[list[str]], env: dict[str, str], log: Path
) -> list[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        return [
            subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
            for command in commands
        ]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Run:
    name: str
    servers: list[list[str]]
    ports: list[int]
    settings: str = "ketacare.settings"
    path: str | None = None
    bound: int | None = None


def measure(
    run: Run, plan: dict[str, object], work: Path, args: argparse.Namespace
) -> dict[str, object]:
    env = environment(work, settings=run.settings)
    workers = [ketacare("worker", "--interval", "5") for _ in range(2)]
    processes = start(run.servers + workers, env, work / f"{run.name}.log")
    try:
        for port in run.ports:
            wait_healthy(port, processes[run.ports.index(port)])
        tally, seen, sampling = Tally(), [], threading.Event()
        sampler = threading.Thread(target=sample_connections, args=(sampling, seen))
        sampler.start()
        until = time.monotonic() + args.seconds
        clients = [
            threading.Thread(
                target=client_loop,
                args=(run.ports[i % len(run.ports)], requests_for(plan, i), until, tally, run.path),
            )
            for i in range(args.clients)
        ]
        started = time.perf_counter()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.perf_counter() - started
        sampling.set()
        sampler.join()
    finally:
        stop(processes)
    return report(run, tally, seen, elapsed)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(run: Run, tally: Tally, seen: list[int], elapsed: float) -> dict[str, object]:
    total = sum(tally.statuses.values())
    return {
        "run": run.name,
        "requests": total,
        "req_per_s": round(total / elapsed, 1),
        "p50_ms": round(percentile(tally.latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 1),
        "5xx": sum(n for status, n in tally.statuses.items() if status >= 500),  # noqa: PLR2004
        "connection_errors": dict(tally.connection_errors),
        "statuses": dict(sorted(tally.statuses.items())),
        "max_pg_connections": max(seen, default=0),
        "pg_connection_bound": run.bound,
        # The machine's other work skews every number: the 1-minute load average at the end.
        "load_average": round(os.getloadavg()[0], 1),
    }


def runs(args: argparse.Namespace) -> list[Run]:
    serve = ["serve", "--workers", str(args.workers), "--threads", str(args.threads)]
    ports = [18101, 18102]
    bound = len(ports) * args.workers * args.threads + 2  # + the two `ketacare worker`
    chosen = {
        "serve": Run(
            "serve", [ketacare(*serve, "--port", str(p)) for p in ports], ports, bound=bound
        ),
        "run": Run("run (runserver)", [ketacare("run", "--port", str(p)) for p in ports], ports),
        "ceiling": Run(
            "bare insert (ceiling)",
            [ketacare(*serve, "--port", str(p)) for p in ports],
            ports,
            settings="ceiling_settings",
            path="/insert",
            bound=bound,
        ),
    }
    return [chosen[name] for name in args.runs]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--patients", type=int, default=4)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database of the last run (no reload)."
    )
    parser.add_argument("--logs", type=Path, help="Keep the servers' logs in this folder.")
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["serve", "run", "ceiling"],
        choices=["serve", "run", "ceiling"],
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.logs or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        plan = prepare(environment(work), args.patients, reuse=args.reuse)
        results = []
        for run in runs(args):
            results.append(measure(run, plan, work, args))
            print(json.dumps(results[-1]), flush=True)
    failed = [
        r
        for r in results
        if r["run"] == "serve"
        and (
            r["5xx"] or r["connection_errors"] or r["max_pg_connections"] > r["pg_connection_bound"]
        )
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
