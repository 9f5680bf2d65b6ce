"""Writes to plan data. One module per area; every function is keyword-only, type-hinted,
named `<entity>_<action>` and atomic. Tasks are queued with `transaction.on_commit`."""
