"""Time a 100,000-row measurements import on the configured database (not a pytest test).

    createdb -h 127.0.0.1 -U postgres aop_bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aop_bench_import \
        .venv/bin/python tests/bench/bench_import.py [--rows 100000] [--orm] [--keep]

Builds a plan with rows/12 KPIs in 25 departments, writes an .xlsx with one value per KPI and
month, then times: checking the file (preview), writing it (all inserts), and importing a
changed file again (all replaces, with history). `--orm` forces the portable path (the one
SQLite takes: a staging table filled row by row, plain INSERT / UPDATE statements) instead of
PostgreSQL's COPY + one UPDATE and one INSERT with their history rows, for comparison.
Target (README, make bench): check + write under 5 s on PostgreSQL."""

import argparse
import datetime as dt
import io
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aop_site.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from planning.models import Department, Membership, Plan  # noqa: E402
from tracking.models import ImportJob, Kpi, Measurement  # noqa: E402
from tracking.services import imports as service  # noqa: E402

DEPARTMENTS = 25


def build_plan(kpi_count: int):
    plan = Plan.objects.create(name=f"Import bench {time.time():.0f}", start=dt.date(2025, 1, 1))
    user, _ = get_user_model().objects.get_or_create(username="bench-importer")
    Membership.objects.create(user=user, plan=plan, role=Membership.Role.LEADERSHIP)
    departments = Department.objects.bulk_create(
        Department(plan=plan, name=f"Department {i}", code=f"dept-{i}") for i in range(DEPARTMENTS)
    )
    Kpi.objects.bulk_create(
        (
            Kpi(
                plan=plan,
                department=departments[i % DEPARTMENTS],
                code=f"kpi-{i:05d}",
                name=f"KPI {i}",
            )
            for i in range(kpi_count)
        ),
        batch_size=2000,
    )
    return plan, user


def workbook(plan: Plan, rows: int, shift: float) -> bytes:
    codes = list(Kpi.objects.filter(plan=plan).order_by("code").values_list("code", flat=True))
    months = [f"{m:%Y-%m}" for m in plan.month_starts()]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Measurements")
    sheet.append(["kpi_code", "goal_id", "month", "value"])
    for i in range(rows):
        sheet.append(
            [codes[i // 12], None, months[i % 12], round(random.random() * 1000 + shift, 2)]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cpu() -> tuple[float, float | None]:
    """CPU seconds used so far by this process and by its database server process (PostgreSQL
    on the same machine), to tell work from waiting on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    ours = usage.ru_utime + usage.ru_stime
    if connection.vendor != "postgresql":
        return ours, None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return ours, None
    return ours, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spent(before, after) -> str:
    app = after[0] - before[0]
    db = f" + db {after[1] - before[1]:5.2f}" if before[1] is not None else ""
    return f"(cpu: app {app:5.2f}{db})"


def timed_import(plan, user, data: bytes, label: str) -> None:
    cpu0 = _cpu()
    start = time.perf_counter()
    job = service.import_validate(
        plan=plan,
        user=user,
        kind=ImportJob.Kind.MEASUREMENTS,
        upload=SimpleUploadedFile("bench.xlsx", data),
    )
    checked = time.perf_counter()
    cpu1 = _cpu()
    assert job.state == ImportJob.State.PREVIEW, job.errors[:5]
    job = service.import_commit(job=job, user=user)
    done = time.perf_counter()
    cpu2 = _cpu()
    assert job.state == ImportJob.State.DONE, (job.state, job.message)
    print(
        f"{label:<26} check {checked - start:5.2f} s {_spent(cpu0, cpu1)}   "
        f"write {done - checked:5.2f} s {_spent(cpu1, cpu2)}   total {done - start:5.2f} s   "
        f"{job.summary['written']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--orm", action="store_true", help="use the portable (SQLite) path")
    parser.add_argument("--keep", action="store_true", help="keep the bench plan afterwards")
    parser.add_argument(
        "--with-alerts", action="store_true", help="count the in-process alert recompute too"
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.IMPORT_ASYNC_ROWS = 10**9  # time the write itself, not the queue
    if not args.with_alerts:
        # In production the recompute is queued to the Celery worker after the commit; without
        # a broker it would run in-process here and be counted as part of the import.
        import tracking.services.alerts as alerts

        alerts.alerts_schedule_recompute = lambda **kwargs: None
    if args.orm:
        service.connection = _OrmConnection(connection)
    print(f"database: {connection.vendor}{' (ORM path)' if args.orm else ''}, rows: {args.rows:,}")
    print(
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    plan, user = build_plan(-(-args.rows // 12))
    if connection.vendor == "postgresql":  # same starting point on every run: no dead rows
        with connection.cursor() as cursor:
            for model in (Measurement, Measurement.history.model, Kpi):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    started = time.perf_counter()
    first, second = workbook(plan, args.rows, 0), workbook(plan, args.rows, 5000)
    print(f"(writing the two .xlsx files took {time.perf_counter() - started:.1f} s, not counted)")
    try:
        timed_import(plan, user, first, "new values (insert)")
        timed_import(plan, user, second, "changed values (replace)")
        history = Measurement.history.filter(plan_id=plan.pk).count()
        print(
            f"measurements: {Measurement.objects.filter(plan=plan).count():,}, "
            f"history rows: {history:,}"
        )
    finally:
        if not args.keep:  # raw deletes: no per-row signals or history for the clean-up
            Measurement.history.filter(plan_id=plan.pk)._raw_delete(connection.alias)
            Measurement.objects.filter(plan=plan)._raw_delete(connection.alias)
            Kpi.objects.filter(plan=plan)._raw_delete(connection.alias)
            plan.delete()


class _OrmConnection:
    """The real connection, but reporting a vendor that makes the service take the ORM path."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return "orm" if name == "vendor" else getattr(self._real, name)


if __name__ == "__main__":
    main()
