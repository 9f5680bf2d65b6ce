"""Signals planning sends so that other apps can follow its data without planning importing them
(imports go reviews → tracking → planning, never back).

`plan_data_changed` (with `sender`, the model class, and `plan_id`) says that data the alert
rules read changed: goals (their figures, owner, department, status), checkpoints, initiatives
(dates, status, owner, department), dependencies and milestones. Tracking listens and recomputes
the plan's alerts shortly after the commit (SPEC §4.6). Only services send it, never model
signals, and only for what the rules read: approval states, SWOT entries, resources, comments and
members change no alert, so their services send nothing. The Django admin, which bypasses the
services, sends it for edits of the data the rules read (`planning.admin.RecomputesAlerts`).
Budget grid saves have their own `budget_lines_saved` (planning.services.budgets), sent after
the commit with the category.

It is sent inside the service's transaction, not after the commit: a receiver that must act only
on committed data registers its own `transaction.on_commit` callback, which is dropped when the
transaction (or the service's savepoint) rolls back, and can see what the same transaction
already asked for. Tracking's `alerts_schedule_recompute` does both, so a service that calls
others (goal_create → checkpoints_set) or a request that makes several edits still causes one
recompute per commit. Sent after the commit, each send would run its own recompute."""

from django.dispatch import Signal

plan_data_changed = Signal()


def plan_data_changed_send(sender: type, *, plan_id: int) -> None:
    """Tell listeners that `sender` rows of plan `plan_id` changed in this transaction."""
    plan_data_changed.send(sender=sender, plan_id=plan_id)
