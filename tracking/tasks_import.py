"""Celery task of the import (SPEC §5): write a large, previewed file in the background.

Registered with the worker through `tracking/tasks.py`, which imports this module (Celery's
autodiscovery only looks at `<app>.tasks`)."""

from celery import shared_task

from tracking.services.imports import import_run


@shared_task(time_limit=900, soft_time_limit=840)
def import_commit_task(job_id: int) -> str | None:
    """Write import job `job_id` (state RUNNING) all at once; a second run finds it DONE and
    does nothing."""
    job = import_run(job_id=job_id)
    return job.state if job is not None else None
