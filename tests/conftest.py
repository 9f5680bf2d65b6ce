"""Shared fixtures: a small plan with one named user per role (STYLE.md, Tests)."""

import os
from types import SimpleNamespace

import pytest

from planning.models import Membership
from tests.factories import DepartmentFactory, MembershipFactory, PlanFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

Role = Membership.Role


def pytest_configure(config):
    from django.conf import settings

    # Password hashing dominates fixture set-up otherwise (PBKDF2 is slow on purpose).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def plan(db):
    return PlanFactory(name="FY 2026")


@pytest.fixture
def people(plan):
    """A leader, heads of Sales and Marketing, finance, a Sales contributor, a viewer and an
    outsider with no membership, in `plan` with departments Sales and Marketing."""
    sales = DepartmentFactory(plan=plan, name="Sales", code="sales")
    marketing = DepartmentFactory(plan=plan, name="Marketing", code="marketing")
    users = SimpleNamespace(plan=plan, sales=sales, marketing=marketing)
    for name, role, department in [
        ("leader", Role.LEADERSHIP, None),
        ("head_sales", Role.DEPARTMENT_HEAD, sales),
        ("head_marketing", Role.DEPARTMENT_HEAD, marketing),
        ("finance", Role.FINANCE, None),
        ("contributor_sales", Role.CONTRIBUTOR, sales),
        ("viewer", Role.VIEWER, None),
    ]:
        user = UserFactory(username=name)
        MembershipFactory(user=user, plan=plan, role=role, department=department)
        setattr(users, name, user)
    users.outsider = UserFactory(username="outsider")
    sales.head = users.head_sales
    sales.save()
    marketing.head = users.head_marketing
    marketing.save()
    return users


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client signed in as `user`."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    """Each test starts in the default language, whatever an earlier test activated."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Tasks run in-process in tests, except in tests marked `worker`, which start a real
    Celery worker against the configured broker.

    An in-process task marks the whole process as "inside a task" while it runs and restores
    the mark afterwards; tasks run at once from several threads (commits in concurrency tests
    queue alert recomputes) can restore it in the wrong order and leave it set, after which
    `AsyncResult.get()` in a later worker test refuses to wait. So the mark is reset here."""
    from celery._state import _set_task_join_will_block

    from aop_site.celery_app import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = previous
    _set_task_join_will_block(False)


def needs_service(name: str, available: bool) -> None:
    """Skip a test whose service (PostgreSQL, Redis, Chromium) is missing on a laptop — but
    under CI (CI=true) a missing service is a failure, never a skip."""
    if available:
        return
    message = f"{name} is not available"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message}, and CI needs it")
    pytest.skip(message)


def on_postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def postgresql(db):
    """Use in tests that only mean something on PostgreSQL (row locks, concurrency)."""
    needs_service("PostgreSQL (DATABASE_URL)", on_postgresql())
