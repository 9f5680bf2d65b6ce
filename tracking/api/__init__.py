"""Tracking's API (SPEC §2 step 5): other systems push KPI and goal values and read them
(`views.py`, `serializers.py`, `urls.py`; the full REST API of the next wave grows here).

    POST /api/plans/<plan>/measurements/   {"values": [{"kpi": "pipeline", "month": "2026-03",
                                             "value": 1250000}, {"goal": 17, "month": "2026-03",
                                             "value": "3", "version": 1}, ...]}
    GET  /api/plans/<plan>/measurements/?kpi=pipeline&goal=17&month_from=2026-01&month_to=2026-06

A push goes through the same service as the month grid (`measurements_save`, source "api"):
the same permissions (403 for a value the person may not enter), the same checks, all or
nothing. Each value names a KPI by its code or a goal by its id, a month as 2026-03 and a value
(a number, numeric text, or null to clear the month). Without a `version` a value replaces
whatever is stored (the history keeps it); with the version the caller read, a value someone
changed meanwhile is refused as a conflict (409) instead of overwritten. Bad input is 400 with
every problem and the index of its value; nothing is written then. Not a member: 404.

Signed-in sessions and HTTP Basic authentication (over HTTPS) are accepted; API tokens come
with the full REST API."""
