"""No lost updates (SPEC §6): an edit form carries the version it started from; saving checks
that nobody saved in between, atomically (compare-and-swap on `version`).

    try:
        goal = save_versioned(goal, expected_version=form.cleaned_data["version"],
                              changes=form.cleaned_data_without_version)
    except EditConflict as conflict:
        ... show conflict_rows(form, conflict.current) side by side and let the person choose

The CAS `UPDATE … WHERE version = expected` takes the row lock (PostgreSQL) or the write lock
(SQLite) before the save, so the following `save()` — which writes history — cannot interleave
with another writer."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _


class EditConflict(Exception):
    """Someone saved the object after this edit started; `current` is their version."""

    def __init__(self, current: models.Model):
        super().__init__(f"{type(current).__name__} {current.pk} changed meanwhile")
        self.current = current


def save_versioned(
    instance: models.Model, *, expected_version: int, changes: dict[str, Any]
) -> models.Model:
    """Apply `changes` (field name → value; many-to-many as lists) to `instance` if its stored
    version is still `expected_version`; raise EditConflict otherwise."""
    model = type(instance)
    with transaction.atomic():
        claimed = model.objects.filter(pk=instance.pk, version=expected_version).update(
            version=F("version") + 1
        )
        if not claimed:
            raise EditConflict(model.objects.get(pk=instance.pk))
        fresh = model.objects.get(pk=instance.pk)
        if hasattr(instance, "_history_user"):  # who the history names (outside a request)
            fresh._history_user = instance._history_user
        many = {}
        for name, value in changes.items():
            field = model._meta.get_field(name)
            if field.many_to_many:
                many[name] = value
            else:
                setattr(fresh, name, value)
        fresh.save()
        for name, value in many.items():
            getattr(fresh, name).set(value)
    return fresh


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", True)
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


class VersionedFormMixin(forms.Form):
    """Adds the hidden `version` an edit started from; initialised from the instance."""

    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is None or not instance.pk:
            # A new object has no earlier version to conflict with.
            self.fields["version"].required = False
        elif not self.is_bound:
            self.initial["version"] = instance.version


@dataclass
class ConflictRow:
    label: str
    yours: str
    theirs: str

    @property
    def differs(self) -> bool:
        return self.yours != self.theirs


def conflict_rows(form: forms.BaseForm, current: models.Model) -> list[ConflictRow]:
    """Field by field: what this person typed next to what the other person saved, both shown
    the way the form shows them (choice labels, names), so only real differences stand out."""
    rows = []
    for name, field in form.fields.items():
        if name == "version" or isinstance(field.widget, forms.HiddenInput):
            continue
        yours = form.cleaned_data.get(name) if name in form.cleaned_data else form.data.get(name)
        theirs = _model_value(current, name)
        rows.append(
            ConflictRow(str(field.label or name), _show(field, yours), _show(field, theirs))
        )
    return rows


def _model_value(obj: models.Model, name: str) -> Any:
    try:
        field = obj._meta.get_field(name)
    except Exception:  # a form-only field (no model field): nothing to compare with
        return None
    if field.many_to_many:
        return list(getattr(obj, name).all())
    return getattr(obj, name)


def _show(field: forms.Field, value: Any) -> str:
    """A value as a person reads it in this form field."""
    if value is None or value == "":
        return ""
    if isinstance(value, list | tuple | models.QuerySet):
        return ", ".join(sorted(_show(field, v) for v in value))
    if isinstance(value, models.Model):
        return _person(value) if hasattr(value, "get_full_name") else str(value)
    choices = getattr(field, "choices", None)
    if choices and not isinstance(field, forms.ModelChoiceField):
        labels = {str(k): str(v) for k, v in choices}
        return labels.get(str(value), str(value))
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


CONFLICT_MESSAGE = _(
    "Someone else saved this while you were editing. Compare both versions below and choose: "
    "keep yours (it will replace theirs) or take theirs (your typing is discarded)."
)
