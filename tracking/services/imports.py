"""Imports of measurements and spend (SPEC §5): check a file into a preview, then write it all
at once.

    job = import_validate(plan=plan, user=user, kind="measurements", upload=request.FILES["file"])
    ...the person reads the preview (job.errors, job.summary)...
    job = import_commit(job=job, user=user)     # in a Celery task when the file is large

Nothing is written until the person confirms, and the commit is all-or-nothing: one transaction,
re-checked against the plan as it is at that moment (a KPI deleted or a right withdrawn since the
preview turns the job back into errors). The checked rows are kept between the two steps as a
small CSV in `settings.IMPORT_DIR`, which the worker must share with the web process.

Writing is set-based: on PostgreSQL a COPY into a temporary table, then one UPDATE of the
changed rows and one INSERT of the new ones, each RETURNING its rows into an INSERT of their
history rows in the same statement; elsewhere (SQLite) a staging table and plain INSERT /
UPDATE statements. A value equal to the stored one is left alone (no new version, no history
row)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, CharField, FloatField, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from planning.models import Goal, Plan
from planning.permissions import Action, PlanAccess, plan_access
from planning.services.notifications import language_of
from tracking import imports
from tracking.imports import (
    Checked,
    FileLimits,
    ImportRefused,
    MeasurementCodes,
    SpendCodes,
    Subject,
)
from tracking.models import ImportJob, Kpi, Measurement, Source, Spend

logger = logging.getLogger(__name__)

Kind = ImportJob.Kind
MAX_ERRORS_KEPT = 1_000
# A concurrent grid save of a row of the file fails an attempt; the next one replaces it.
WRITE_ATTEMPTS = 3
SAMPLE_ROWS = 20
STALE_AFTER = dt.timedelta(days=2)
MEASUREMENT_KEYS = ["subject", "period"]
SPEND_KEYS = ["department_id", "category", "month"]


# --- Settings ---------------------------------------------------------------------------


def import_dir() -> Path:
    """Where checked rows wait between preview and commit (shared by web and worker)."""
    configured = getattr(settings, "IMPORT_DIR", "")
    path = Path(configured) if configured else Path(tempfile.gettempdir()) / "openaop-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_limits() -> FileLimits:
    max_bytes = settings.IMPORT_MAX_BYTES
    return FileLimits(
        max_bytes=max_bytes,
        max_rows=settings.IMPORT_MAX_ROWS,
        max_unzipped_bytes=getattr(settings, "IMPORT_MAX_UNZIPPED_BYTES", 10 * max_bytes),
        max_zip_ratio=getattr(settings, "IMPORT_MAX_ZIP_RATIO", 100),
    )


# --- What a person may import -----------------------------------------------------------


def import_open_until(today: dt.date | None = None) -> dt.date:
    """The last month that takes actuals: the current one (as in the month grids)."""
    return (today or timezone.localdate()).replace(day=1)


def measurement_codes(
    plan: Plan, access: PlanAccess, *, today: dt.date | None = None
) -> MeasurementCodes:
    """The plan's KPIs by code and goals by id, each marked with whether this person may enter
    values for it (Action.MEASURE). Two queries, no model instances: the right to measure
    depends only on the subject's department and owner, so it is asked once per distinct pair."""
    kpis = Kpi.objects.filter(plan=plan).values_list(
        "id", "code", "name", "department_id", "department__name", "goal__owner_id"
    )
    goals = Goal.objects.filter(plan=plan).values_list(
        "id", "title", "department_id", "department__name", "owner_id"
    )
    may = _MayMeasure(plan, access)
    return MeasurementCodes(
        kpis={
            code: Subject(pk, f"{name} ({department})", may.kpi(department_id, owner_id))
            for pk, code, name, department_id, department, owner_id in kpis.order_by("code")
        },
        goals={
            pk: Subject(pk, f"{title} ({department or _('company')})", may.goal(dept_id, owner_id))
            for pk, title, dept_id, department, owner_id in goals.order_by("id")
        },
        months=plan.month_starts(),
        open_until=import_open_until(today),
    )


class _MayMeasure:
    """`access.can(Action.MEASURE, …)` on a stand-in object per (department, owner) pair."""

    def __init__(self, plan: Plan, access: PlanAccess):
        self.plan, self.access, self.known = plan, access, {}

    def kpi(self, department_id: int, goal_owner_id: int | None) -> bool:
        key = ("kpi", department_id, goal_owner_id)
        if key not in self.known:
            goal = Goal(plan=self.plan, owner_id=goal_owner_id) if goal_owner_id else None
            stand_in = Kpi(plan=self.plan, department_id=department_id, goal=goal)
            self.known[key] = self.access.can(Action.MEASURE, stand_in)
        return self.known[key]

    def goal(self, department_id: int | None, owner_id: int | None) -> bool:
        key = ("goal", department_id, owner_id)
        if key not in self.known:
            stand_in = Goal(plan=self.plan, department_id=department_id, owner_id=owner_id)
            self.known[key] = self.access.can(Action.MEASURE, stand_in)
        return self.known[key]


def spend_codes(plan: Plan, access: PlanAccess, *, today: dt.date | None = None) -> SpendCodes:
    """The plan's departments by lower-cased code and name, marked with whether this person may
    enter spend for them (Action.EDIT_BUDGET). One query."""
    departments = {}
    for department in plan.departments.order_by("name"):
        allowed = access.can(Action.EDIT_BUDGET, Spend(plan=plan, department=department))
        subject = Subject(department.pk, department.name, allowed)
        departments[department.code.lower()] = subject
        departments.setdefault(department.name.lower(), subject)
    return SpendCodes(
        departments=departments, months=plan.month_starts(), open_until=import_open_until(today)
    )


def import_kinds_allowed(plan: Plan, access: PlanAccess) -> dict[str, bool]:
    """Which kinds of file this person may import into the plan (shown as upload forms)."""
    if not access.can(Action.IMPORT):
        return {Kind.MEASUREMENTS: False, Kind.SPEND: False}
    codes = measurement_codes(plan, access)
    subjects = [*codes.kpis.values(), *codes.goals.values()]
    return {
        Kind.MEASUREMENTS: any(s.allowed for s in subjects),
        Kind.SPEND: access.can(Action.EDIT_BUDGET, Spend(plan=plan)),
    }


def template_sheets(plan: Plan, access: PlanAccess, kind: str) -> list:
    """The sheets of a downloadable template: an empty data sheet and, as reference, the codes
    this person may import."""
    from tracking import exports

    if kind == Kind.MEASUREMENTS:
        codes = measurement_codes(plan, access)
        kpi_ids = {s.id for s in codes.kpis.values() if s.allowed}
        goal_ids = {s.id for s in codes.goals.values() if s.allowed}
        return exports.measurement_template_sheets(
            exports.kpis_for_template(plan, kpi_ids),
            exports.goals_for_template(plan, goal_ids),
            plan,
        )
    codes = spend_codes(plan, access)
    ids = {s.id for s in codes.departments.values() if s.allowed}
    return exports.spend_template_sheets(exports.departments_for_template(plan, ids), plan)


def jobs_visible_to(plan: Plan, access: PlanAccess):
    """Import jobs a person may look at: their own; leadership sees everyone's."""
    jobs = ImportJob.objects.filter(plan=plan).select_related("created_by")
    if access.can(Action.MANAGE_PLAN):
        return jobs
    return jobs.filter(created_by_id=access.user_id)


# --- Preview ----------------------------------------------------------------------------


def import_validate(
    *, plan: Plan, user, kind: str, upload, today: dt.date | None = None
) -> ImportJob:
    """Check an uploaded file and keep the result as an ImportJob in state PREVIEW (ready to
    import) or INVALID (errors listed per row). Raises ImportRefused for a file that cannot be
    read at all (nothing is kept then)."""
    access = plan_access(user, plan)
    imports_forget_stale(plan=plan)
    checked, classified = _check_upload(plan, access, kind, upload, today)
    if not checked.total_rows:
        raise ImportRefused(_("The file has a header row but no rows below it."))
    rows_path = None
    if checked.ok:
        rows_path = import_dir() / f"{uuid.uuid4().hex}.csv"
        rows_path.write_text(_rows_csv(kind, checked.rows))
    job = ImportJob.objects.create(
        plan=plan,
        kind=kind,
        file_name=Path(getattr(upload, "name", "") or "upload").name[:255],
        stored_path=rows_path.name if rows_path else "",
        state=ImportJob.State.PREVIEW if checked.ok else ImportJob.State.INVALID,
        total_rows=checked.total_rows,
        errors=checked.errors[:MAX_ERRORS_KEPT],
        summary=_summary(kind, checked, classified),
        created_by=user,
    )
    return job


def _sheet_names(kind: str) -> list[str]:
    """The sheet to read from a workbook, by its name in any language the app ships (a German
    export names it "Messwerte"), so that an exported plan imports again as it is."""
    english = ["measurements", "values"] if kind == Kind.MEASUREMENTS else ["spend"]
    names = list(english)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.append(str(_("Measurements") if kind == Kind.MEASUREMENTS else _("Spend")))
    return names


def _check_upload(plan, access, kind, upload, today) -> tuple[Checked, pd.DataFrame]:
    limits = file_limits()
    size = getattr(upload, "size", None)
    if size is not None and size > limits.max_bytes:
        raise ImportRefused(
            _("The file is %(size)s MB; at most %(max)s MB can be imported at once.")
            % {"size": round(size / 1048576, 1), "max": limits.max_bytes // 1048576}
        )
    upload_path = import_dir() / f"upload-{uuid.uuid4().hex}"
    try:
        _save_upload(upload, upload_path, limits.max_bytes)
        table = imports.read_table(upload_path, limits, sheet_names=_sheet_names(kind))
    finally:
        upload_path.unlink(missing_ok=True)
    decimal_comma = bool(table.attrs.get("decimal_comma"))
    if kind == Kind.MEASUREMENTS:
        checked = imports.check_measurements(
            table, measurement_codes(plan, access, today=today), decimal_comma=decimal_comma
        )
        existing = _existing_measurements(plan, checked.rows)
        classified = imports.classify_changes(checked.rows, existing, MEASUREMENT_KEYS, "value")
    else:
        checked = imports.check_spend(
            table, spend_codes(plan, access, today=today), decimal_comma=decimal_comma
        )
        existing = _existing_spend(plan, checked.rows)
        classified = imports.classify_changes(checked.rows, existing, SPEND_KEYS, "amount")
    return checked, classified


def _save_upload(upload, path: Path, max_bytes: int) -> None:
    written = 0
    with path.open("wb") as out:
        chunks = (
            upload.chunks()
            if hasattr(upload, "chunks")
            else iter(lambda: upload.read(1 << 20), b"")
        )
        for chunk in chunks:
            written += len(chunk)
            if written > max_bytes:
                raise ImportRefused(
                    _("The file is larger than %(max)s MB; split it into smaller files.")
                    % {"max": max_bytes // 1048576}
                )
            out.write(chunk)


def _existing_measurements(plan: Plan, rows: pd.DataFrame) -> pd.DataFrame:
    """Stored values for the months in the file: one query. The database spells the subject
    ("k12", "g7") and the number as a float, which spares a Decimal and a string per row."""
    periods = sorted(set(rows["period"])) if len(rows) else []
    subject = Case(
        When(kpi_id__isnull=False, then=Concat(Value("k"), Cast("kpi_id", CharField()))),
        default=Concat(Value("g"), Cast("goal_id", CharField())),
        output_field=CharField(),
    )
    stored = (
        Measurement.objects.filter(plan=plan, period__in=periods)
        .annotate(subject=subject, number=Cast("value", FloatField()))
        .values_list("subject", "period", "number")
    )
    return pd.DataFrame(list(stored), columns=["subject", "period", "value"])


def _existing_spend(plan: Plan, rows: pd.DataFrame) -> pd.DataFrame:
    months = sorted(set(rows["month"])) if len(rows) else []
    stored = Spend.objects.filter(plan=plan, month__in=months).values_list(
        "department_id", "category", "month", "amount"
    )
    frame = pd.DataFrame(list(stored), columns=["department_id", "category", "month", "amount"])
    frame["department_id"] = frame["department_id"].astype("Int64")
    frame["amount"] = frame["amount"].astype(float)
    return frame


def _summary(kind: str, checked: Checked, classified: pd.DataFrame) -> dict:
    counts = (
        imports.count_changes(classified)
        if len(classified)
        else {
            "insert": 0,
            "replace": 0,
            "unchanged": 0,
        }
    )
    value = "value" if kind == Kind.MEASUREMENTS else "amount"
    month = "period" if kind == Kind.MEASUREMENTS else "month"
    changed = classified[classified["change"] != "unchanged"] if len(classified) else classified
    sample = [
        {
            "row": int(r["row"]),
            "label": r["label"] + (f" · {r['category']}" if kind == Kind.SPEND else ""),
            "month": f"{r[month]:%Y-%m}",
            "old": None if pd.isna(r["old"]) else float(r["old"]),
            "new": float(r[value]),
            "change": r["change"],
        }
        for r in changed.head(SAMPLE_ROWS).to_dict("records")
    ]
    return {
        "counts": counts,
        "valid_rows": len(checked.rows),
        "error_count": len(checked.errors),
        "error_rows": len({e["row"] for e in checked.errors}),
        "sample": sample,
    }


STORED_COLUMNS = {
    Kind.MEASUREMENTS: ["row", "kpi_id", "goal_id", "period", "value"],
    Kind.SPEND: ["row", "department_id", "category", "month", "amount"],
}


def _rows_csv(kind: str, rows: pd.DataFrame) -> str:
    """The checked rows as CSV with a header, in the form PostgreSQL's COPY reads (empty =
    NULL, ISO dates); written by hand because it is several times faster than DataFrame.to_csv.
    No cell needs quoting: the columns hold only numbers, dates and category names."""
    columns = STORED_COLUMNS[kind]
    cells = [_csv_cells(rows[c]) for c in columns]
    lines = [",".join(columns), *map(",".join, zip(*cells, strict=True))]
    return "\n".join(lines) + "\n"


def _csv_cells(column: pd.Series) -> list[str]:
    """A column as CSV cells: empty for a missing value, else str() of it (ISO for a date,
    round-tripping digits for a float). Each distinct value is turned into text once; a file
    holds twelve months and a few thousand subjects in 100,000 rows."""
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    texts = np.array([*map(str, distinct.tolist()), ""], dtype=object)
    return texts[codes].tolist()  # a missing value has code -1: the "" at the end


# --- Commit -----------------------------------------------------------------------------


def import_commit(*, job: ImportJob, user) -> ImportJob:
    """Start writing a previewed job. Small files are written right away; files with more than
    settings.IMPORT_ASYNC_ROWS rows go to a Celery task and the page shows a progress bar.
    Clicking twice starts it once (compare-and-swap on the state)."""
    claimed = ImportJob.objects.filter(
        pk=job.pk, state=ImportJob.State.PREVIEW, created_by=user
    ).update(state=ImportJob.State.RUNNING, processed_rows=0)
    if not claimed:
        job.refresh_from_db()
        return job
    if job.total_rows > settings.IMPORT_ASYNC_ROWS:
        from tracking.tasks_import import import_commit_task

        transaction.on_commit(lambda: import_commit_task.delay(job.pk))
        job.refresh_from_db()
        return job
    return import_run(job_id=job.pk)


def import_run(*, job_id: int) -> ImportJob | None:
    """Write a RUNNING job's rows in one transaction; safe to run twice or twice at once (the
    job row is locked and only a RUNNING job is written). Someone typing a value for a row of
    the file while it is being written makes that attempt fail on the unique key; the next
    attempt finds the typed value stored and replaces it (the history keeps both)."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                job = (
                    ImportJob.objects.select_for_update(of=("self",))
                    .select_related("plan", "created_by")
                    .filter(pk=job_id)
                    .first()
                )
                if job is None or job.state != ImportJob.State.RUNNING:
                    return job
                with translation.override(language_of(job.created_by)):
                    _run(job)
            break
        except IntegrityError:
            if attempt < WRITE_ATTEMPTS:
                logger.info("Import job %s met a concurrent edit; writing it again", job_id)
                continue
            _failed(job_id)
        except Exception:
            _failed(job_id)
            break
    job = ImportJob.objects.filter(pk=job_id).first()
    finished = (ImportJob.State.DONE, ImportJob.State.FAILED, ImportJob.State.INVALID)
    if job is not None and job.state in finished and job.stored_path:
        _rows_path(job).unlink(missing_ok=True)
    return job


def _failed(job_id: int) -> None:
    logger.exception("Import job %s failed", job_id)
    ImportJob.objects.filter(pk=job_id).update(
        state=ImportJob.State.FAILED,
        message=_("The import failed; nothing was written. Please try again."),
        finished_at=timezone.now(),
    )


def _run(job: ImportJob) -> None:
    rows = _load_rows(job)
    access = (
        plan_access(job.created_by, job.plan) if job.created_by else PlanAccess(None, job.plan_id)
    )
    errors = _recheck(job, rows, access)
    if errors:
        job.state = ImportJob.State.INVALID
        job.errors = errors[:MAX_ERRORS_KEPT]
        job.summary = {**job.summary, "error_count": len(errors), "stale": True}
        job.finished_at = timezone.now()
        job.save()
        return
    progress = _progress_reporter(job)
    written = _write(job=job, rows=rows, progress=progress)
    job.state = ImportJob.State.DONE
    job.processed_rows = job.total_rows
    job.summary = {**job.summary, "written": written}
    job.finished_at = timezone.now()
    job.save()
    cache.delete(progress_key(job.pk))
    from tracking.services.alerts import alerts_schedule_recompute

    alerts_schedule_recompute(plan_id=job.plan_id)


def _rows_path(job: ImportJob) -> Path:
    return import_dir() / Path(job.stored_path).name


def _load_rows(job: ImportJob) -> pd.DataFrame:
    if job.kind == Kind.MEASUREMENTS:
        dtypes = {"row": "int64", "kpi_id": "Int64", "goal_id": "Int64", "value": "float64"}
        dates = ["period"]
    else:
        dtypes = {"row": "int64", "department_id": "Int64", "category": "str", "amount": "float64"}
        dates = ["month"]
    rows = pd.read_csv(_rows_path(job), dtype=dtypes, keep_default_na=True)
    for column in dates:
        rows[column] = pd.to_datetime(rows[column]).dt.date
    return rows


def _recheck(job: ImportJob, rows: pd.DataFrame, access: PlanAccess) -> list[dict]:
    """The preview may be minutes old: every subject must still exist and still be writable."""
    if job.kind == Kind.MEASUREMENTS:
        codes = measurement_codes(job.plan, access)
        allowed_kpis = {s.id for s in codes.kpis.values() if s.allowed}
        allowed_goals = {s.id for s in codes.goals.values() if s.allowed}
        ok = rows["kpi_id"].isin(allowed_kpis) | rows["goal_id"].isin(allowed_goals)
        column = "kpi_code"
    else:
        codes = spend_codes(job.plan, access)
        allowed = {s.id for s in codes.departments.values() if s.allowed}
        ok = rows["department_id"].isin(allowed)
        column = "department_code"
    message = _(
        "Deleted, or no longer yours to change, since the file was checked; upload it again."
    )
    return [
        {"row": int(r), "column": column, "message": message}
        for r in rows.loc[~ok.fillna(False).astype(bool), "row"]
    ]


def progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def import_progress(job: ImportJob) -> int:
    """Rows written so far, for the progress bar (the cache holds it while the transaction that
    writes is still open)."""
    if job.state == ImportJob.State.DONE:
        return job.total_rows
    return int(cache.get(progress_key(job.pk)) or job.processed_rows)


def _progress_reporter(job: ImportJob) -> Callable[[int], None]:
    def report(done: int) -> None:
        cache.set(progress_key(job.pk), done, timeout=3600)

    return report


# --- Writing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """Where a kind of import writes: the model, the data columns, the unique keys (each with
    the column that must be filled for it to apply, for the partial unique indexes of
    measurements) and the column that holds the number."""

    model: type
    columns: tuple[str, ...]
    keys: tuple[tuple[tuple[str, ...], str | None], ...]
    value: str
    plan_in_key: bool = False


TARGETS = {
    Kind.MEASUREMENTS: _Target(
        model=Measurement,
        columns=("kpi_id", "goal_id", "period", "value"),
        keys=(
            (("kpi_id", "period"), "kpi_id"),
            (("goal_id", "period"), "goal_id"),
        ),
        value="value",
    ),
    Kind.SPEND: _Target(
        model=Spend,
        columns=("department_id", "category", "month", "amount"),
        keys=((("department_id", "category", "month"), None),),
        value="amount",
        plan_in_key=True,
    ),
}


def _write(*, job: ImportJob, rows: pd.DataFrame, progress) -> dict[str, int]:
    """Insert new values, replace changed ones, leave equal ones alone; a history row for
    every row written. Set-based: a handful of statements whatever the number of rows."""
    target = TARGETS[job.kind]
    if connection.vendor == "postgresql":
        return _pg_write(job=job, rows=rows, progress=progress, target=target)
    return _sql_upsert(job=job, rows=rows, progress=progress, target=target)


def _change_reason(job: ImportJob) -> str:
    return (_("Imported from %(file)s") % {"file": job.file_name})[:100]


def _stamp(job: ImportJob) -> dict:
    now = timezone.now()
    return {
        "plan": job.plan_id,
        "source": Source.IMPORT,
        "user": job.created_by_id,
        "now": connection.ops.adapt_datetimefield_value(now),
        "reason": _change_reason(job),
    }


# --- Writing elsewhere (SQLite): a staging table and plain INSERT / UPDATE statements --------
# simple-history's bulk_create_with_history / bulk_update_with_history took 140 s and 716 s for
# 100,000 rows on SQLite here (bulk_update's CASE WHEN per row); these statements take seconds.

STAGE = "import_stage"


def _sql_upsert(*, job, rows, progress, target: _Target) -> dict[str, int]:
    table, value, stamp = target.model._meta.db_table, target.value, _stamp(job)
    columns = ", ".join(target.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE} (row integer, {_stage_columns(target)}, "
            "existing_id bigint, action varchar(1))"
        )
        cursor.executemany(
            f"INSERT INTO {STAGE} (row, {columns}) VALUES ({_placeholders(target)})",
            _stage_rows(rows, target),
        )
        progress(len(rows) // 3)
        for key, condition in target.keys:
            cursor.execute(
                f"UPDATE {STAGE} SET existing_id = (SELECT m.id FROM {table} m "
                f"WHERE {_match(target, key, 'm', STAGE)}) WHERE {_when(condition)}",
                [job.plan_id] if target.plan_in_key else [],
            )
        cursor.execute(f"CREATE INDEX {STAGE}_existing ON {STAGE} (existing_id)")
        cursor.execute(f"UPDATE {STAGE} SET action = '+' WHERE existing_id IS NULL")
        cursor.execute(
            f"UPDATE {STAGE} SET action = '~' WHERE existing_id IS NOT NULL AND EXISTS ("
            f"SELECT 1 FROM {table} m WHERE m.id = {STAGE}.existing_id "
            f"AND m.{value} <> {STAGE}.{value})"
        )
        cursor.execute(
            f"INSERT INTO {table} (plan_id, {columns}, source, entered_by_id, entered_at, version) "
            f"SELECT %s, {columns}, %s, %s, %s, 1 FROM {STAGE} WHERE action = '+'",
            [stamp["plan"], stamp["source"], stamp["user"], stamp["now"]],
        )
        cursor.execute(
            f"UPDATE {table} SET {value} = (SELECT s.{value} FROM {STAGE} s "
            f"WHERE s.existing_id = {table}.id), version = version + 1, source = %s, "
            f"entered_by_id = %s, entered_at = %s "
            f"WHERE id IN (SELECT existing_id FROM {STAGE} WHERE action = '~')",
            [stamp["source"], stamp["user"], stamp["now"]],
        )
        progress(2 * len(rows) // 3)
        _sql_history(cursor, job, target, stamp)
        cursor.execute(f"SELECT action, COUNT(*) FROM {STAGE} GROUP BY action")
        counts = dict(cursor.fetchall())
        cursor.execute(f"DROP TABLE {STAGE}")
    progress(len(rows))
    return {"inserted": counts.get("+", 0), "replaced": counts.get("~", 0)}


def _sql_history(cursor, job, target: _Target, stamp: dict) -> None:
    """One history row per row written, copied from the row as it now is."""
    history = target.model.history.model
    tracked = [f.attname for f in history.tracked_fields]
    for key, condition in target.keys:
        cursor.execute(
            f"INSERT INTO {history._meta.db_table} ({', '.join(tracked)}, history_date, "
            "history_change_reason, history_type, history_user_id) "
            f"SELECT {', '.join(f'm.{c}' for c in tracked)}, %s, %s, s.action, %s "
            f"FROM {STAGE} s JOIN {target.model._meta.db_table} m "
            f"ON {_match(target, key, 'm', 's')} "
            f"WHERE s.action IS NOT NULL AND {_when(condition, 's.')}",
            # Placeholders in the order they appear: SELECT …, then the JOIN's plan_id.
            [
                stamp["now"],
                stamp["reason"],
                stamp["user"],
                *([job.plan_id] if target.plan_in_key else []),
            ],
        )


def _when(filled: str | None, alias: str = "") -> str:
    return f"{alias}{filled} IS NOT NULL" if filled else "1 = 1"


def _placeholders(target: _Target) -> str:
    return ", ".join(["%s"] * (len(target.columns) + 1))


def _match(target: _Target, key, stored: str, staged: str) -> str:
    parts = [f"{stored}.{column} = {staged}.{column}" for column in key]
    if target.plan_in_key:
        parts.insert(0, f"{stored}.plan_id = %s")
    return " AND ".join(parts)


def _stage_columns(target: _Target) -> str:
    return ", ".join(f"{c} {_db_type(target.model, c)}" for c in target.columns)


def _stage_rows(rows: pd.DataFrame, target: _Target) -> list[tuple]:
    columns = [rows[c].astype(object).tolist() for c in ("row", *target.columns)]
    return [
        tuple(
            None if v is pd.NA or v is None else v.isoformat() if isinstance(v, dt.date) else v
            for v in row
        )
        for row in zip(*columns, strict=True)
    ]


# --- Writing on PostgreSQL: COPY, then an UPDATE of changed rows and an INSERT of new ones ----
# One `INSERT … ON CONFLICT DO UPDATE` per key took 0.6–1 s longer for 100,000 new rows (every
# row a speculative insertion) than a plain INSERT, and 0.3 s longer for 100,000 changed ones
# than an UPDATE. The preview's insert/replace split may be minutes old, so the stored rows are
# looked up again inside the transaction.


def _pg_write(*, job, rows, progress, target: _Target) -> dict[str, int]:
    """COPY the rows into a temporary table, find the stored row of each, then UPDATE the rows
    whose value differs and INSERT the rows nothing is stored for; each statement RETURNs the
    rows it wrote straight into an INSERT of their history rows."""
    staging = f"import_{target.model._meta.db_table}"
    stamp = _stamp(job)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        # The written rows feed the history insert; keep them in memory.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            f"CREATE TEMP TABLE {staging} (row bigint, {_stage_columns(target)}, "
            "stored_id bigint) ON COMMIT DROP"
        )
        _copy(cursor, staging, STORED_COLUMNS[job.kind], _rows_path(job))
        progress(len(rows) // 3)
        for key, condition in target.keys:
            cursor.execute(_pg_find_stored(target, staging, key, condition), stamp)
        replaced = _pg_with_history(cursor, target, _pg_update(target, staging), "~", stamp)
        cursor.execute(_pg_forget_vanished(target, staging))
        progress(2 * len(rows) // 3)
        inserted = _pg_with_history(cursor, target, _pg_insert(target, staging), "+", stamp)
        progress(len(rows))
    return {"inserted": inserted, "replaced": replaced}


def _db_type(model, column: str) -> str:
    field = model._meta.get_field(column.removesuffix("_id"))
    return (
        field.target_field.db_type(connection) if field.is_relation else field.db_type(connection)
    )


def _copy(cursor, staging: str, columns: list[str], path: Path) -> None:
    """Stream the stored rows file (written by `_rows_csv`) into the staging table."""
    sql = f"COPY {staging} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
    raw = cursor.cursor
    with path.open("r", encoding="utf-8") as source:
        if hasattr(raw, "copy_expert"):  # psycopg2
            raw.copy_expert(sql, source)
        else:  # psycopg 3
            with raw.copy(sql) as copy:
                shutil.copyfileobj(source, copy)


def _pg_find_stored(target: _Target, staging: str, key, condition: str | None) -> str:
    """Note the id of the stored row with the same key. A join over the whole staging table:
    asking "does it exist?" inside the INSERT instead would let the planner, which believes an
    empty table stays empty, rescan the rows being inserted once per row."""
    table = target.model._meta.db_table
    same_key = " AND ".join(f"t.{column} = s.{column}" for column in key)
    # The plan narrows the scan to this plan's rows (its index) even where the key implies it.
    return (
        f"UPDATE {staging} s SET stored_id = t.id FROM {table} t "
        f"WHERE {_when(condition, 's.')} AND t.plan_id = %(plan)s AND {same_key}"
    )


def _pg_update(target: _Target, staging: str) -> str:
    """Replace the stored value where the file has another one."""
    table, value = target.model._meta.db_table, target.value
    return f"""
        UPDATE {table} AS t SET
            {value} = s.{value}, source = %(source)s, entered_by_id = %(user)s,
            entered_at = %(now)s, version = t.version + 1
        FROM {staging} s
        WHERE t.plan_id = %(plan)s AND t.id = s.stored_id
            AND t.{value} IS DISTINCT FROM s.{value}"""


def _pg_forget_vanished(target: _Target, staging: str) -> str:
    """A stored row deleted by someone else since it was found (the UPDATE skipped it) is
    written as a new row, so that no value of the file is lost."""
    table = target.model._meta.db_table
    return (
        f"UPDATE {staging} s SET stored_id = NULL WHERE stored_id IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = s.stored_id)"
    )


def _pg_insert(target: _Target, staging: str) -> str:
    """Insert the rows nothing is stored for. A row someone else inserted for the same key
    meanwhile violates the unique constraint: this attempt fails as a whole and `import_run`
    writes the file again."""
    table, columns = target.model._meta.db_table, ", ".join(target.columns)
    return f"""
        INSERT INTO {table} AS t (plan_id, {columns}, source, entered_by_id, entered_at, version)
        SELECT %(plan)s, {columns}, %(source)s, %(user)s, %(now)s, 1
        FROM {staging} WHERE stored_id IS NULL"""


def _pg_with_history(cursor, target: _Target, write: str, history_type: str, stamp) -> int:
    """Run `write` (an INSERT or UPDATE aliasing the table as t) with a history row of type
    `history_type` for every row it wrote, in one statement; returns how many it wrote."""
    history = target.model.history.model
    tracked = [f.attname for f in history.tracked_fields]
    columns = ", ".join(tracked)
    cursor.execute(
        f"""
        WITH written AS ({write} RETURNING {", ".join(f"t.{c}" for c in tracked)}),
        hist AS (
            INSERT INTO {history._meta.db_table}
                ({columns}, history_date, history_change_reason, history_type, history_user_id)
            SELECT {columns}, %(now)s, %(reason)s, %(type)s, %(user)s FROM written
        )
        SELECT COUNT(*) FROM written""",
        {**stamp, "type": history_type},
    )
    return int(cursor.fetchone()[0])


def imports_forget_stale(*, plan: Plan, older_than: dt.timedelta = STALE_AFTER) -> int:
    """Previews nobody imported within `older_than` are forgotten (job and rows file), so
    that abandoned uploads do not pile up in IMPORT_DIR. Runs on every upload; returns how
    many were forgotten."""
    cutoff = timezone.now() - older_than
    stale = list(
        ImportJob.objects.filter(plan=plan, state=ImportJob.State.PREVIEW, created_at__lt=cutoff)
    )
    for job in stale:
        import_discard(job=job)
    return len(stale)


def import_discard(*, job: ImportJob) -> None:
    """Forget a preview the person does not want to import."""
    if job.state in (ImportJob.State.PREVIEW, ImportJob.State.INVALID):
        if job.stored_path:
            _rows_path(job).unlink(missing_ok=True)
        job.delete()
