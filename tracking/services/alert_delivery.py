"""Telling people about alerts (SPEC §4.6): a daily e-mail digest to each owner of open
alerts, and posting a plan's new alerts to its webhook (JSON that Slack understands).

Both claim the alerts first — one UPDATE that stamps `mailed_at` / `posted_at` on the rows
nobody stamped yet — and then send what they claimed, so two runs at once never send an
alert twice. If sending fails, the stamp is taken back and a later run (or the task's retry)
tries again.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Sequence
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from planning.models import Plan
from planning.services.notifications import language_of
from tracking.constants import STATUS_ICONS
from tracking.models import Alert

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_SECONDS = 10
WEBHOOK_MAX_LISTED = 20
SEVERITY_ICONS = {"critical": STATUS_ICONS["behind"], "warning": STATUS_ICONS["at_risk"]}


class WebhookError(Exception):
    """The webhook did not accept the post (network error or a non-2xx answer)."""


def _site_url(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def alerts_page_url(plan_id: int) -> str:
    return _site_url(reverse("tracking:alert-list", kwargs={"plan_id": plan_id}))


# ---------------------------------------------------------------------------------------------
# Daily digest


def alert_digests_send() -> int:
    """E-mail every owner the open alerts they were not told about yet (one message per
    person, all plans); returns the number of e-mails sent."""
    now = timezone.now()
    Alert.objects.filter(
        state=Alert.State.OPEN, mailed_at__isnull=True, owner__isnull=False
    ).exclude(owner__email="").update(mailed_at=now)
    claimed = (
        Alert.objects.filter(mailed_at=now)
        .select_related("owner", "plan", "department")
        .order_by("owner_id", "plan__name", "severity", "-period", "id")
    )
    sent = 0
    for _owner_id, group in groupby(claimed, key=lambda a: a.owner_id):
        alerts = list(group)
        try:
            _mail_digest(alerts[0].owner, alerts)
            sent += 1
        except Exception:  # SMTP errors come in many types; the alerts stay unmailed
            logger.exception("Alert digest to %s failed", alerts[0].owner.email)
            Alert.objects.filter(id__in=[a.id for a in alerts], mailed_at=now).update(
                mailed_at=None
            )
    return sent


def _mail_digest(user, alerts: Sequence[Alert]) -> None:
    with translation.override(language_of(user)):
        subject = _("OpenAOP: %(count)s new alerts for you") % {"count": len(alerts)}
        send_mail(subject, digest_text(user, alerts), None, [user.email])


def digest_text(user, alerts: Sequence[Alert]) -> str:
    """The plain-text body of one person's digest: their alerts by plan, worst first."""
    lines = [
        _("Hello %(name)s,") % {"name": user.get_full_name() or user.username},
        "",
        _("these alerts in OpenAOP are yours to look at:"),
        "",
    ]
    for plan, group in groupby(alerts, key=lambda a: a.plan):
        lines.append(f"{plan.name}")
        for alert in group:
            where = f" [{alert.department.name}]" if alert.department_id else ""
            icon = SEVERITY_ICONS.get(alert.severity, "")
            lines.append(f"  {icon} {alert.get_severity_display()}{where}: {alert.message}")
        lines += [f"  {alerts_page_url(plan.pk)}", ""]
    lines.append(_("You get this e-mail once a day while new alerts are open."))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Webhook


def alerts_post_to_webhook(*, plan_id: int) -> int:
    """Post the plan's open alerts not posted yet to its webhook; returns how many were
    posted (0 without a webhook or new alerts). Raises WebhookError when the post fails,
    after giving the alerts back for the next try."""
    plan = Plan.objects.filter(pk=plan_id).only("id", "name", "webhook_url").first()
    if plan is None or not plan.webhook_url:
        return 0
    now = timezone.now()
    Alert.objects.filter(plan_id=plan_id, state=Alert.State.OPEN, posted_at__isnull=True).update(
        posted_at=now
    )
    alerts = list(
        Alert.objects.filter(plan_id=plan_id, posted_at=now)
        .select_related("department")
        .order_by("severity", "-period", "id")
    )
    if not alerts:
        return 0
    try:
        _post_json(plan.webhook_url, webhook_payload(plan, alerts))
    except WebhookError:
        Alert.objects.filter(plan_id=plan_id, posted_at=now).update(posted_at=None)
        raise
    return len(alerts)


def webhook_payload(plan: Plan, alerts: Sequence[Alert]) -> dict:
    """Slack-compatible JSON: a `text` summary (what any webhook shows) and `blocks`."""
    with translation.override(settings.LANGUAGE_CODE):
        summary = _("%(plan)s: %(count)s new alerts") % {"plan": plan.name, "count": len(alerts)}
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": summary[:150]}}]
        for alert in alerts[:WEBHOOK_MAX_LISTED]:
            where = f" · {alert.department.name}" if alert.department_id else ""
            icon = SEVERITY_ICONS.get(alert.severity, "")
            text = f"{icon} *{alert.get_severity_display()}*{where}\n{alert.message}"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        more = len(alerts) - WEBHOOK_MAX_LISTED
        link = _("Open the alerts in OpenAOP")
        footer = f"<{alerts_page_url(plan.pk)}|{link}>"
        if more > 0:
            footer = _("and %(count)s more.") % {"count": more} + " " + footer
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return {"text": summary, "blocks": blocks}


def _post_json(url: str, payload: dict) -> None:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise WebhookError(f"webhook answered {response.status}")
    except OSError as exc:  # URLError, HTTPError, timeouts and refused connections
        raise WebhookError(str(exc)) from exc
