"""What the company intends for the year (SPEC §3): the plan and everything written into it.

Each model keeps only what depends on its own row; rules that span rows live in pure functions
(`planning/rules.py`, `tracking/*.py`), writes go through `planning/services.py`.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from planning import constants

MONEY = {"max_digits": 14, "decimal_places": 2}
VALUE = {"max_digits": 16, "decimal_places": 4}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day-of-month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = _month_end(dt.date(year, month, 1)).day
    return dt.date(year, month, min(day.day, last))


def _month_end(first: dt.date) -> dt.date:
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


class Versioned(models.Model):
    """A row that people edit in forms: `version` grows on every save, so a form that started
    from an older version is told that someone else saved in between (no lost updates)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class UserProfile(models.Model):
    """Per-person preferences: the language the UI is shown in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    def __str__(self):
        return f"{self.user} ({self.language or '-'})"


class Plan(models.Model):
    """One fiscal year of the company: twelve months from `start`, in one currency."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=120)
    start = models.DateField(_("start of the fiscal year"))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    behind_threshold = models.DecimalField(
        _("behind threshold"),
        max_digits=4,
        decimal_places=3,
        default=constants.DEFAULT_BEHIND_THRESHOLD,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("A goal is 'behind' when its shortfall exceeds this share (0.10 = 10 %)."),
    )
    burn_threshold = models.DecimalField(
        _("burn threshold"),
        max_digits=4,
        decimal_places=3,
        default=constants.DEFAULT_BURN_THRESHOLD,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_(
            "A department 'burns early' when it spent this share of its annual budget "
            "before the plan expected it."
        ),
    )
    webhook_url = models.URLField(_("alert webhook"), blank=True, default="")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(behind_threshold__gte=0, behind_threshold__lte=1)
                & Q(burn_threshold__gte=0, burn_threshold__lte=1),
                name="plan_thresholds_between_0_and_1",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("plan-home", kwargs={"plan_id": self.pk})

    @property
    def end(self) -> dt.date:
        """Last day of the plan year."""
        return add_months(self.start, 12) - dt.timedelta(days=1)

    @property
    def year_label(self) -> str:
        year = self.start.year if self.start.month == 1 else f"{self.start:%Y/%m}"
        return _("FY %(year)s") % {"year": year}

    def month_starts(self) -> list[dt.date]:
        """First day of each of the twelve plan months."""
        first = self.start.replace(day=1)
        return [add_months(first, i) for i in range(constants.MONTHS_PER_YEAR)]

    def month_ends(self) -> list[dt.date]:
        """Last day of each plan month: the dates at which figures are evaluated (SPEC §4.2)."""
        return [_month_end(m) for m in self.month_starts()]

    def quarter_end(self, quarter: int) -> dt.date:
        """Last day of quarter 1..4 of the plan year."""
        return add_months(self.start, 3 * quarter) - dt.timedelta(days=1)

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


class Department(models.Model):
    """A team of the company within one plan (Sales, Marketing …), optionally under a parent."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("short code"), max_length=40)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
        verbose_name=_("head"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="department_code_unique_in_plan"),
            models.UniqueConstraint(fields=["plan", "name"], name="department_name_unique_in_plan"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse(
            "planning:department-detail", kwargs={"plan_id": self.plan_id, "pk": self.pk}
        )


class Priority(models.Model):
    """One of the few strategic priorities of the year that goals serve."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="priorities")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = _("priorities")

    def __str__(self):
        return self.title


class Membership(models.Model):
    """A person's role in one plan (SPEC §3.1). Heads and contributors belong to a department."""

    class Role(models.TextChoices):
        LEADERSHIP = "leadership", _("Leadership")
        DEPARTMENT_HEAD = "department_head", _("Department head")
        FINANCE = "finance", _("Finance")
        CONTRIBUTOR = "contributor", _("Contributor")
        VIEWER = "viewer", _("Viewer")

    DEPARTMENT_ROLES = (Role.DEPARTMENT_HEAD, Role.CONTRIBUTOR)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "plan", "role"], name="membership_one_per_user_plan_role"
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=["department_head", "contributor"], department__isnull=False)
                    | (~Q(role__in=["department_head", "contributor"]) & Q(department__isnull=True))
                ),
                name="membership_department_iff_department_role",
            ),
        ]

    def __str__(self):
        where = f" ({self.department})" if self.department_id else ""
        return f"{self.user} — {self.get_role_display()}{where} — {self.plan}"

    def clean(self):
        needs_department = self.role in self.DEPARTMENT_ROLES
        if needs_department and not self.department_id:
            raise ValidationError({"department": _("This role belongs to a department.")})
        if not needs_department and self.department_id:
            raise ValidationError({"department": _("Only heads and contributors have one.")})
        if self.department_id and self.department.plan_id != self.plan_id:
            raise ValidationError({"department": _("The department belongs to another plan.")})


class SwotEntry(Versioned):
    """A strength, weakness, opportunity or threat, company-wide or of one department."""

    class Kind(models.TextChoices):
        STRENGTH = "S", _("Strength")
        WEAKNESS = "W", _("Weakness")
        OPPORTUNITY = "O", _("Opportunity")
        THREAT = "T", _("Threat")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="swot_entries")
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="swot_entries",
        help_text=_("Leave empty for a company-wide entry."),
    )
    kind = models.CharField(_("kind"), max_length=1, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    evidence = models.TextField(_("evidence"), blank=True, help_text=_("A figure, a source."))
    impact = models.PositiveSmallIntegerField(
        _("impact"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    position = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "position", "id"]
        verbose_name_plural = _("SWOT entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5), name="swot_impact_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase")
    DECREASE = "decrease", _("Decrease")


class ApprovalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class Goal(Versioned):
    """A SMART goal: who is accountable for moving which metric from baseline to target by when.

    Company goals have no parent; department goals cascade from them. Quarterly checkpoints give
    the planned path that tracking compares actuals with (SPEC §4.2)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Dropped")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="goals"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent goal"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_goals",
        verbose_name=_("owner"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    metric_name = models.CharField(_("metric"), max_length=120, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.INCREASE
    )
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, **VALUE)
    target = models.DecimalField(_("target"), null=True, blank=True, **VALUE)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    rationale = models.TextField(
        _("why it is achievable"), blank=True, help_text=_("Why this target can be reached.")
    )
    budget = models.DecimalField(
        _("budget"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    swot_entries = models.ManyToManyField(
        SwotEntry, blank=True, related_name="goals", verbose_name=_("SWOT entries")
    )
    priorities = models.ManyToManyField(
        Priority, blank=True, related_name="goals", verbose_name=_("priorities")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    approval_state = models.CharField(
        _("approval"), max_length=10, choices=ApprovalState.choices, default=ApprovalState.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[swot_entries, priorities])

    class Meta:
        ordering = ["department__name", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="goal_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("id")),
                name="goal_not_its_own_parent",
            ),
        ]
        indexes = [models.Index(fields=["plan", "department"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("planning:goal-detail", kwargs={"plan_id": self.plan_id, "pk": self.pk})

    def clean(self):
        if self.due_date and self.plan_id and not self.plan.contains(self.due_date):
            raise ValidationError({"due_date": _("The due date must lie inside the plan year.")})


class GoalCheckpoint(models.Model):
    """The value a goal should have reached at the end of a quarter of the plan year."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="checkpoints")
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    planned_value = models.DecimalField(_("planned value"), **VALUE)
    history = HistoricalRecords()

    class Meta:
        ordering = ["goal", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "quarter"], name="checkpoint_one_per_quarter"),
            # Quarters 1-4 of the plan year: a checkpoint can never fall outside the year.
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="checkpoint_inside_plan_year"
            ),
        ]

    def __str__(self):
        return f"{self.goal} Q{self.quarter}: {self.planned_value}"


class Initiative(Versioned):
    """A piece of work on a department's roadmap: one owner, a start, an estimate and a buffer.

    `planned_end` = start + estimate × (1 + buffer) days, kept on the row so that roadmaps and
    dependency checks read it without arithmetic."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="initiatives")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="initiatives"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="initiatives")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_initiatives",
        verbose_name=_("owner"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start = models.DateField(_("start"))
    estimate_days = models.PositiveIntegerField(
        _("estimate (days)"), validators=[MinValueValidator(1)]
    )
    buffer_pct = models.PositiveSmallIntegerField(
        _("buffer %"), default=constants.DEFAULT_BUFFER_PCT, validators=[MaxValueValidator(200)]
    )
    planned_end = models.DateField(_("planned end"), editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="dependents",
        verbose_name=_("depends on"),
    )
    history = HistoricalRecords(m2m_fields=[depends_on])

    class Meta:
        ordering = ["start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimate_days__gte=1), name="initiative_estimate_positive"
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("start")), name="initiative_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["plan", "department"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.start and self.estimate_days:
            self.planned_end = self.compute_planned_end(
                self.start, self.estimate_days, self.buffer_pct
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "planning:initiative-detail", kwargs={"plan_id": self.plan_id, "pk": self.pk}
        )

    @staticmethod
    def compute_planned_end(start: dt.date, estimate_days: int, buffer_pct: int) -> dt.date:
        """start + estimate × (1 + buffer), rounded up to whole days."""
        total = -(-estimate_days * (100 + buffer_pct) // 100)
        return start + dt.timedelta(days=total)


class Milestone(models.Model):
    """A checkable step of an initiative with a due date."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateField(_("done on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.title


class ResourceRequirement(models.Model):
    """What a goal or initiative needs against what exists, in one of five categories.

    The gap lands in an Eisenhower quadrant by `urgent` and `important` (SPEC §2 step 3)."""

    class Category(models.TextChoices):
        PEOPLE = "people", _("People")
        TECHNOLOGY = "technology", _("Technology")
        BUDGET = "budget", _("Budget")
        PROCESS = "process", _("Processes")
        TRAINING = "training", _("Training")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="resource_requirements")
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="resources"
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="resources"
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    description = models.CharField(_("description"), max_length=300)
    needed = models.DecimalField(_("needed"), default=0, validators=[MinValueValidator(0)], **VALUE)
    available = models.DecimalField(
        _("available"), default=0, validators=[MinValueValidator(0)], **VALUE
    )
    cost = models.DecimalField(_("cost"), default=0, validators=[MinValueValidator(0)], **MONEY)
    urgent = models.BooleanField(_("urgent"), default=False)
    important = models.BooleanField(_("important"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(goal__isnull=False) & Q(initiative__isnull=True))
                | (Q(goal__isnull=True) & Q(initiative__isnull=False)),
                name="resource_for_goal_xor_initiative",
            ),
            models.CheckConstraint(
                condition=Q(needed__gte=0, available__gte=0, cost__gte=0),
                name="resource_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.description}"

    @property
    def gap(self) -> Decimal:
        return max(self.needed - self.available, Decimal(0))


class BudgetLine(Versioned):
    """Planned amount of one department, category and month (SPEC §4.3 sums these)."""

    class Category(models.TextChoices):
        OPEX = "opex", _("Opex")
        CAPEX = "capex", _("Capex")
        HEADCOUNT = "headcount", _("Headcount")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="budget_lines")
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="budget_lines"
    )
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(0)], **MONEY)
    history = HistoricalRecords()

    class Meta:
        ordering = ["department__name", "category", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "department", "category", "month"], name="budget_line_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.department} {self.category} {self.month:%Y-%m}: {self.amount}"


class DepartmentSubmission(models.Model):
    """A department's part of the plan on its way to approval: submitted by the head,
    approved or returned (with a comment) by leadership."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="submissions")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="submissions")
    state = models.CharField(
        _("state"), max_length=10, choices=ApprovalState.choices, default=ApprovalState.DRAFT
    )
    comment = models.TextField(_("comment"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "department"], name="submission_one_per_department"
            ),
        ]

    def __str__(self):
        return f"{self.department}: {self.get_state_display()}"


class PlanBaseline(models.Model):
    """The approved plan, frozen: a JSON snapshot of goals, initiatives and budgets at approval,
    kept to compare the current plan with."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="baselines")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]
        get_latest_by = "created_at"

    def __str__(self):
        return f"{self.plan} baseline {self.created_at:%Y-%m-%d %H:%M}"


class PlanChange(models.Model):
    """A change to the approved plan: what changed (field, old, new) and why, who, when,
    who approved it and who was told (SPEC §2 step 6)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="plan_changes")
    subject_type = models.CharField(max_length=30)
    subject_id = models.PositiveBigIntegerField()
    subject_label = models.CharField(max_length=200)
    field = models.CharField(_("field"), max_length=60)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    reason = models.TextField(_("why"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notified = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["-changed_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="plan_change_has_reason"),
        ]

    def __str__(self):
        return f"{self.subject_label}.{self.field}: {self.old_value} → {self.new_value}"


class Comment(Versioned):
    """A message in the discussion thread of a goal or an initiative. Its author may correct
    it (`edited_at`) or delete it; history keeps every wording."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comments")
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="comments"
    )
    text = models.TextField(_("text"), max_length=5000)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(goal__isnull=False) & Q(initiative__isnull=True))
                | (Q(goal__isnull=True) & Q(initiative__isnull=False)),
                name="comment_on_goal_xor_initiative",
            ),
        ]

    def __str__(self):
        return self.text[:60]


class Notification(models.Model):
    """Something a person should see in the app: a mention, a returned roadmap, a plan change."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read"])]

    def __str__(self):
        return self.text
