"""`make bench`: dashboards and alert recompute on PostgreSQL under gunicorn (not a pytest test).

    .venv/bin/python tests/bench/bench_dashboards.py [--requests 300] [--clients 2]
        [--port 8190] [--database aop_bench_dash] [--reuse] [--keep] [--skip-import]

1. Creates the database (dropping an old one), migrates, collects static files.
2. Builds a plan of 50 departments / 1,000 goals / 5,000 initiatives with twelve months of
   actuals, and one ten times larger (`build_bench_plan --scale 1` and `--scale 10`).
3. After VACUUM ANALYZE (what autovacuum does in a running system), times the alert recompute
   (`alerts_recompute` as the Celery task calls it, which also fills the goal figures) for
   both: a first run that writes every alert and figure, then the median of five runs that
   write what changed, against one set-based SQL aggregate over the same measurement rows.
4. Starts gunicorn (2 workers × 4 threads, DEBUG=0) on 127.0.0.1 only and measures p50/p95 of
   the company dashboard at both sizes, interleaved with a trivial signed-in page (account
   preferences: same session, navigation and layout, no plan data) and /healthz; then the
   other dashboards and the plan home for information. A bounded number of requests from
   client threads signed in as a leadership user.
5. Runs the import bench (tests/bench/bench_import.py) if it is there.

Targets: dashboard p95 ≤ 5 × trivial page p95;
dashboard p95 at 10x ≤ 1.3 × at 1x; recompute for 10,000 goals < 0.5 s.
Exit status 1 when a target is missed.
"""

import argparse
import http.client
import math
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
LEADER, PASSWORD = "bench-leader", "bench-leader-password"


def _environment(database: str) -> dict:
    """DEBUG=0 as in production, but without the HTTPS redirect (plain HTTP on 127.0.0.1)."""
    env = {
        "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{database}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "aop_site.settings",
    }
    os.environ.update(env)
    return {**os.environ, **env}


def _create_database(database: str) -> None:
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", **PG)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{database}"')
    connection.close()


def _django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _build(reuse: bool) -> dict[int, int]:
    """Plans by scale: {1: plan_id, 10: plan_id}."""
    from django.core.management import call_command

    from planning.models import Plan

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    plans = {}
    for scale in (1, 10):
        existing = Plan.objects.filter(name=f"Bench x{scale}").first()
        if existing and reuse:
            plans[scale] = existing.pk
            continue
        started = time.perf_counter()
        call_command(
            "build_bench_plan",
            scale=scale,
            leader=LEADER,
            password=PASSWORD,
            no_recompute=True,
            stdout=open(os.devnull, "w"),
        )
        plans[scale] = Plan.objects.get(name=f"Bench x{scale}").pk
        print(f"built plan x{scale} in {time.perf_counter() - started:.1f} s", flush=True)
    return plans


def _time_recompute(plan_id: int, runs: int = 5) -> tuple[float, float, int, float]:
    """Seconds of the alert recompute as the Celery task runs it (outside a transaction):
    the median of `runs` runs after a first one, and one GROUP BY over the same measurement
    rows; the number of goals; and the first run, which writes every alert and figure."""
    from django.db import connection

    from planning.models import Plan
    from tracking.services.alerts import alerts_recompute

    plan = Plan.objects.get(pk=plan_id)
    started = time.perf_counter()
    alerts_recompute(plan_id=plan_id, as_of=plan.end)
    first = time.perf_counter() - started
    recompute, aggregate = [], []
    for _ in range(runs):
        started = time.perf_counter()
        alerts_recompute(plan_id=plan_id, as_of=plan.end)
        recompute.append(time.perf_counter() - started)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT goal_id, count(*), max(period), sum(value) FROM tracking_measurement "
                "WHERE plan_id = %s AND goal_id IS NOT NULL GROUP BY goal_id",
                [plan_id],
            )
            cursor.fetchall()
        aggregate.append(time.perf_counter() - started)
    return (
        statistics.median(recompute),
        statistics.median(aggregate),
        plan.goals.count(),
        first,
    )


def _vacuum() -> None:
    """Let PostgreSQL settle after the bulk load (what autovacuum does in a running system):
    fresh statistics and a visibility map, so index-only scans can be used."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _session_cookie() -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=LEADER))
    return f"sessionid={client.cookies['sessionid'].value}"


def _start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    try:
        _get(port, "/healthz", "")
    except OSError:
        pass
    else:
        raise SystemExit(f"port {port} is taken by another server; choose one with --port")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "aop_site.wsgi",
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(150):
        try:
            if server.poll() is None and _get(port, "/healthz", "")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    _stop(server)
    raise SystemExit("gunicorn did not start")


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=20)


def _get(port: int, path: str, cookie: str, connection=None) -> tuple[int, float]:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if connection is None:
        conn.close()
    return response.status, elapsed


def _measure(
    port: int, paths: list[str], cookie: str, rounds: int, clients: int, warm: int = 10
) -> dict[str, dict]:
    """p50/p95 in ms per path, from `rounds` GETs of each path spread over `clients`
    keep-alive connections. The paths are interleaved (each client asks for them in turn),
    so that load from other processes on the machine falls on all of them alike."""
    timings: dict[str, list[float]] = {path: [] for path in paths}
    errors: list[str] = []
    lock = threading.Lock()

    def worker(count: int, offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for index in range(count * len(paths)):
            path = paths[(index + offset) % len(paths)]
            status, elapsed = _get(port, path, cookie, conn)
            with lock:
                if status == 200:
                    timings[path].append(elapsed)
                else:
                    errors.append(f"{path}: HTTP {status}")
        conn.close()

    for path in paths:
        status, _elapsed = _get(port, path, cookie)
        if status != 200:
            raise SystemExit(f"{path} answers HTTP {status}; fix that before measuring")
        for _ in range(warm):  # warm the workers' caches and connections
            _get(port, path, cookie)
    per_client = max(1, rounds // clients)
    threads = [threading.Thread(target=worker, args=(per_client, k)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return {path: _percentiles(values) for path, values in timings.items()}


def _percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50": 1000 * ordered[len(ordered) // 2],
        "p95": 1000 * ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)],  # nearest rank
        "n": len(ordered),
    }


TRIVIAL = ("preferences (trivial)", "", "/accounts/preferences/")
HEALTHZ = ("/healthz", "", "/healthz")


def _groups(plans: dict[int, int], requests: int) -> list[tuple[list[tuple], int]]:
    """Pages measured together ([(name, plan size, path)], rounds). First the pages of the
    targets, interleaved: a trivial signed-in page (same sessions, navigation and layout as
    a dashboard, no plan data), /healthz, and the company dashboard at both sizes. Then the
    other pages, for information, with fewer requests (the plan home and the plan list show
    every goal and every plan, so at 10x they get a handful)."""
    few = max(20, requests // 8)
    company = [
        ("company dashboard", f"{s}x", f"/plans/{p}/dashboards/company/") for s, p in plans.items()
    ]
    groups = [([TRIVIAL, HEALTHZ, *company], requests)]
    for name in ("department", "finance", "dependencies"):
        groups.append(
            (
                [
                    (f"{name} dashboard", f"{s}x", f"/plans/{p}/dashboards/{name}/")
                    for s, p in plans.items()
                ],
                few,
            )
        )
    groups.append(([("plan home", "1x", f"/plans/{plans[1]}/")], few))
    groups.append(([("plan home", "10x", f"/plans/{plans[10]}/")], 4))
    groups.append(([("plan list", "1x+10x", "/plans/")], 4))
    return groups


def _import_bench(env: dict) -> None:
    script = ROOT / "tests/bench/bench_import.py"
    if not script.exists():
        print("\n(import bench: tests/bench/bench_import.py not found, skipped)")
        return
    print("\nImport of 100,000 measurement rows (tests/bench/bench_import.py):", flush=True)
    subprocess.run(
        [sys.executable, str(script), "--rows", "100000"], cwd=ROOT, env=env, check=False
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per page")
    parser.add_argument("--clients", type=int, default=2, help="client threads")
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--database", default="aop_bench_dash")
    parser.add_argument("--reuse", action="store_true", help="reuse the database's plans")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--skip-import", action="store_true", help="skip the import bench")
    parser.add_argument(
        "--targets-only", action="store_true", help="measure only the pages the targets are about"
    )
    args = parser.parse_args()

    env = _environment(args.database)
    if not args.reuse:
        _create_database(args.database)
    _django()
    plans = _build(args.reuse)
    _vacuum()
    recompute = {}
    for scale, plan_id in plans.items():
        recompute[scale] = _time_recompute(plan_id)
        print(f"recompute x{scale}: {recompute[scale][0]:.3f} s", flush=True)
    _vacuum()  # the alerts and figures the first recompute wrote
    cookie = _session_cookie()

    from django.db import connections

    connections.close_all()
    server = _start_gunicorn(env, args.port)
    results = []
    print(f"\n{'page':28} {'plan':>6} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}", flush=True)
    try:
        groups = _groups(plans, args.requests)
        for pages, rounds in groups[:1] if args.targets_only else groups:
            clients = min(args.clients, rounds)
            measured = _measure(
                args.port,
                [path for _n, _s, path in pages],
                cookie,
                rounds,
                clients,
                warm=min(10, rounds),
            )
            for name, size, path in pages:
                result = measured[path]
                results.append((name, size, result))
                print(
                    f"{name:28} {size:>6} {result['n']:8} {result['p50']:8.1f} "
                    f"{result['p95']:8.1f}",
                    flush=True,
                )
    finally:
        _stop(server)
    ok = _report(results, recompute, args)
    if not args.skip_import:
        _import_bench(env)
    if not args.keep:
        _create_database(args.database)  # leave an empty database, not 300 MB of bench data
    return 0 if ok else 1


def _report(results, recompute, args) -> bool:
    print(
        f"\nPostgreSQL, gunicorn 2 workers × 4 threads, DEBUG=0; up to {args.clients} client "
        f"threads on 127.0.0.1; {os.cpu_count()} CPU cores (shared)"
    )
    by = {(name, size): r for name, size, r in results}
    trivial = by[TRIVIAL[:2]]["p95"]
    health = by[HEALTHZ[:2]]["p95"]
    base, big = by[("company dashboard", "1x")]["p95"], by[("company dashboard", "10x")]["p95"]
    print(
        f"\n{'alert recompute':28} {'goals':>7} {'recompute s':>12} {'SQL GROUP BY s':>15} "
        f"{'ratio':>7} {'first run s':>12}"
    )
    for seconds, sql, goals, first in recompute.values():
        print(f"{'':28} {goals:7,} {seconds:12.3f} {sql:15.4f} {seconds / sql:7.0f} {first:12.3f}")
    print(
        "(median of 5 runs after a first one, which writes every alert and goal figure; "
        "later runs write what changed)"
    )
    checks = [
        ("company p95 / trivial page p95", base / trivial, 5.0),
        ("company p95 10x / 1x", big / base, 1.3),
        ("recompute 10,000 goals (s)", recompute[10][0], 0.5),
    ]
    print(f"\n{'target':34} {'measured':>9} {'limit':>7}")
    for label, value, limit in checks:
        print(f"{label:34} {value:9.2f} {limit:7.2f}  {'PASS' if value <= limit else 'MISS'}")
    print(f"{'(company p95 / healthz p95)':34} {base / health:9.2f}")
    return all(value <= limit for _label, value, limit in checks)


if __name__ == "__main__":
    sys.exit(main())
