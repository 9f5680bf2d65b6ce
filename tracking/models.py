"""What happened during the year and what it means (SPEC §3, §4): KPIs, measurements, spend,
alerts, and the figures the alert jobs keep up to date for the dashboards."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from planning.models import (
    MONEY,
    VALUE,
    BudgetLine,
    Department,
    Direction,
    Goal,
    Plan,
    Versioned,
)


class Source(models.TextChoices):
    MANUAL = "manual", _("Typed")
    IMPORT = "import", _("Imported")
    API = "api", _("API")


class Kpi(Versioned):
    """A key figure a department watches every month, with a target per month and two alert
    thresholds. Thresholds are shares of the month's target: a value that falls short of the
    target by more than `warning_threshold` (0.05 = 5 %) warns, by more than
    `critical_threshold` is critical."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="kpis")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="kpis")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="kpis"
    )
    code = models.SlugField(_("code"), max_length=60, help_text=_("Used in imports and the API."))
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.INCREASE
    )
    warning_threshold = models.DecimalField(
        _("warning threshold"),
        max_digits=5,
        decimal_places=3,
        default=0.05,
        validators=[MinValueValidator(0)],
    )
    critical_threshold = models.DecimalField(
        _("critical threshold"),
        max_digits=5,
        decimal_places=3,
        default=0.15,
        validators=[MinValueValidator(0)],
    )
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.MANUAL
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["department__name", "name"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="kpi_code_unique_in_plan"),
            models.CheckConstraint(
                condition=Q(critical_threshold__gte=models.F("warning_threshold")),
                name="kpi_critical_beyond_warning",
            ),
        ]

    def __str__(self):
        return self.name


class KpiTarget(models.Model):
    """The value a KPI should reach in one month."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="targets")
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    target = models.DecimalField(_("target"), **VALUE)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kpi", "month"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "month"], name="kpi_target_one_per_month"),
        ]


class Measurement(Versioned):
    """The actual value of a KPI or a goal in one month. One value per subject and month: a new
    value replaces the old one, and history keeps the old one. `period` is the month's first day;
    rules date it at the month's last day (SPEC §4.2)."""

    # No single-column indexes on plan, kpi and goal: the (plan, period) index and the two
    # unique (subject, period) indexes cover every lookup, and each extra index slows bulk imports.
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="measurements", db_index=False
    )
    kpi = models.ForeignKey(
        Kpi,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurements",
        db_index=False,
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurements",
        db_index=False,
    )
    period = models.DateField(_("month"))
    value = models.DecimalField(_("value"), **VALUE)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    # Who typed or imported the value: audit data, kept in step by Django (SET_NULL when a user
    # is deleted) rather than by a database check, which costs 0.4 s per 100,000 imported rows.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    entered_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(no_db_index=["kpi", "goal", "entered_by"], user_db_constraint=False)

    class Meta:
        ordering = ["period"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kpi__isnull=False) & Q(goal__isnull=True))
                | (Q(kpi__isnull=True) & Q(goal__isnull=False)),
                name="measurement_of_kpi_xor_goal",
            ),
            models.UniqueConstraint(
                fields=["kpi", "period"],
                condition=Q(kpi__isnull=False),
                name="measurement_one_per_kpi_month",
            ),
            models.UniqueConstraint(
                fields=["goal", "period"],
                condition=Q(goal__isnull=False),
                name="measurement_one_per_goal_month",
            ),
        ]
        indexes = [models.Index(fields=["plan", "period"])]

    def __str__(self):
        return f"{self.kpi or self.goal} {self.period:%Y-%m}: {self.value}"


class Spend(Versioned):
    """Actual spend of a department in one category and month (imported or typed)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="spend")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="spend")
    category = models.CharField(max_length=10, choices=BudgetLine.Category.choices)
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(0)], **MONEY)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["department__name", "category", "month"]
        verbose_name_plural = _("spend")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "department", "category", "month"], name="spend_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="spend_not_negative"),
        ]


class Alert(models.Model):
    """Something a person should look at, raised by a rule of SPEC §4 for one subject and
    period. At most one per (plan, rule, subject, period); resolved, never deleted, when its
    condition no longer holds."""

    class Rule(models.TextChoices):
        GOAL_BEHIND = "goal_behind", _("Goal behind plan")
        BURN_EARLY = "burn_early", _("Budget burned early")
        INITIATIVE_BLOCKED = "initiative_blocked", _("Initiative blocked")
        MILESTONE_OVERDUE = "milestone_overdue", _("Milestone overdue")
        KPI_THRESHOLD = "kpi_threshold", _("KPI outside threshold")
        ACTION_ITEM_OVERDUE = "action_item_overdue", _("Action item overdue")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="alerts")
    rule = models.CharField(max_length=24, choices=Rule.choices)
    subject_type = models.CharField(max_length=20)
    subject_id = models.PositiveBigIntegerField()
    period = models.DateField(help_text=_("First day of the month the alert is about."))
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
    )
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    # What the condition is, as names, numbers and ISO dates; `message` writes the sentence in
    # the reader's language (tracking/alert_words.py).
    facts = models.JSONField(default=dict, blank=True)
    # Department, owner, severity and facts condensed into one number
    # (alert_candidates.fingerprints): a recompute compares it instead of the facts.
    fingerprint = models.BigIntegerField(default=0)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    first_seen = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(
        auto_now=True,
        help_text=_("When a recompute last opened, changed or resolved the alert."),
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "rule", "subject_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "rule", "subject_type", "subject_id", "period"],
                name="alert_one_per_rule_subject_period",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "state"]),
            # The most pressing open alerts first (dashboards, plan home) by walking the
            # index, whatever the number of alerts: severity, then newest month, then newest.
            models.Index(
                fields=["plan", "state", "severity", "-period", "-id"],
                name="alert_pressing_first",
            ),
        ]

    def __str__(self):
        return self.message

    @property
    def message(self) -> str:
        """What the alert says, in the active language."""
        from tracking.alert_words import alert_message

        return alert_message(self.rule, self.facts or {})


class GoalFigure(models.Model):
    """A goal's evaluated position at one month end (SPEC §4.2), kept up to date by the alert
    jobs so that dashboards read one row per goal instead of recomputing."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goal_figures")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="figures")
    period = models.DateField()
    planned = models.DecimalField(null=True, **VALUE)
    actual = models.DecimalField(null=True, **VALUE)
    shortfall = models.DecimalField(null=True, max_digits=12, decimal_places=6)
    status = models.CharField(max_length=10)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["goal", "period"], name="goal_figure_one_per_month"),
        ]
        indexes = [
            models.Index(fields=["plan", "period"]),
            # Dashboards count a month's figures per status and list the worst goals first
            # by walking this index, whatever the number of goals.
            models.Index(
                fields=["plan", "period", "status", "-shortfall", "-goal"],
                name="goal_figure_worst_first",
            ),
        ]


class GoalFigureDigest(models.Model):
    """A fingerprint of the figures stored for one goal (all its months), written with them:
    a recompute compares 10,000 fingerprints instead of reading 120,000 figures, and rewrites
    only the goals whose figures changed."""

    goal = models.OneToOneField(
        Goal, on_delete=models.CASCADE, primary_key=True, related_name="figure_digest"
    )
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    digest = models.BigIntegerField()


class ImportJob(models.Model):
    """An upload of measurements or spend: validated into a preview, then committed all at once
    (in a Celery task when the file is large), with progress for the progress bar."""

    class Kind(models.TextChoices):
        MEASUREMENTS = "measurements", _("Measurements")
        SPEND = "spend", _("Spend")

    class State(models.TextChoices):
        VALIDATING = "validating", _("Checking")
        PREVIEW = "preview", _("Ready to import")
        INVALID = "invalid", _("Has errors")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.VALIDATING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    # What the preview shows besides the errors: counts to add / replace / leave unchanged,
    # the total number of problems (errors keeps at most the first 1,000) and a few sample rows.
    summary = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def progress_pct(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
