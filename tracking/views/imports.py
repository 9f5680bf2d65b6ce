"""Imports and exports (SPEC §5): templates to download, upload → preview of every row's
problems → import all at once (with a progress bar for large files), and the whole plan as one
Excel workbook."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from planning.permissions import Action, require
from planning.views.base import plan_view
from tracking import exports
from tracking.imports import MEASUREMENT_COLUMNS, SPEND_COLUMNS, ImportRefused
from tracking.models import ImportJob
from tracking.services import imports as service

KINDS = {ImportJob.Kind.MEASUREMENTS: MEASUREMENT_COLUMNS, ImportJob.Kind.SPEND: SPEND_COLUMNS}
RECENT_JOBS = 15


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )


class _SizeLimitHandler(FileUploadHandler):
    """Stops storing an upload as soon as it passes settings.IMPORT_MAX_BYTES, so a huge file
    never fills the disk; the view then says the file is too big."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit, self.received = limit, 0
        request.upload_too_big = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_big = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


# --- Pages ------------------------------------------------------------------------------


def _list_page(request, plan, access, forms_by_kind=None, status=200):
    allowed = service.import_kinds_allowed(plan, access)
    context = {
        "plan": plan,
        "section": "imports",
        "kinds": [
            {
                "kind": kind,
                "label": ImportJob.Kind(kind).label,
                "columns": columns,
                "allowed": allowed[kind],
                "form": (forms_by_kind or {}).get(kind) or ImportUploadForm(prefix=kind),
            }
            for kind, columns in KINDS.items()
        ],
        "jobs": service.jobs_visible_to(plan, access)[:RECENT_JOBS],
        "async_rows": settings.IMPORT_ASYNC_ROWS,
        "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
        "api_example_code": _example_kpi_code(plan, access),
    }
    return render(request, "tracking/import_list.html", context, status=status)


def _example_kpi_code(plan, access) -> str:
    """A KPI code for the API example: one of the person's departments' (one query)."""
    kpis = plan.kpis.order_by("name")
    if not access.is_leadership:
        kpis = kpis.filter(department_id__in=access.head_of | access.contributor_of)
    return kpis.values_list("code", flat=True).first() or ""


@plan_view
@require_GET
def import_list(request, plan, access):
    return _list_page(request, plan, access)


@csrf_exempt
def import_upload(request, plan_id, kind):
    """The size limit must be in place before the body is read, i.e. before the CSRF check."""
    limit = service.file_limits().max_bytes
    request.upload_handlers.insert(0, _SizeLimitHandler(request, limit))
    return _import_upload(request, plan_id, kind)


@csrf_protect
@plan_view
@require_POST
def _import_upload(request, plan, access, kind):
    if kind not in KINDS or not service.import_kinds_allowed(plan, access)[kind]:
        raise PermissionDenied(_("You may not import this kind of file in this plan."))
    form = ImportUploadForm(request.POST, request.FILES, prefix=kind)
    if getattr(request, "upload_too_big", False):
        form.add_error(
            None,
            _("The file is larger than %(max)s MB; split it into smaller files.")
            % {"max": settings.IMPORT_MAX_BYTES // (1024 * 1024)},
        )
    elif form.is_valid():
        try:
            job = service.import_validate(
                plan=plan, user=request.user, kind=kind, upload=form.cleaned_data["file"]
            )
        except ImportRefused as refused:
            form.add_error("file", refused.message)
        else:
            return redirect("tracking:import-detail", plan_id=plan.pk, pk=job.pk)
    return _list_page(request, plan, access, {kind: form}, status=400)


def _job_for(plan, access, pk) -> ImportJob:
    return get_object_or_404(service.jobs_visible_to(plan, access), pk=pk)


@plan_view
@require_GET
def import_detail(request, plan, access, pk):
    job = _job_for(plan, access, pk)
    context = {
        "plan": plan,
        "section": "imports",
        "job": job,
        "mine": job.created_by_id == request.user.pk,
        "summary": job.summary or {},
        "changes": sum(
            (job.summary or {}).get("counts", {}).get(k, 0) for k in ("insert", "replace")
        ),
        "more_errors": max((job.summary or {}).get("error_count", 0) - len(job.errors), 0),
        "progress": service.import_progress(job),
        "form": ImportUploadForm(prefix=job.kind),
        "can_upload": service.import_kinds_allowed(plan, access)[job.kind],
        "columns": KINDS[job.kind],
    }
    return render(request, "tracking/import_detail.html", context)


@plan_view
@require_POST
def import_commit(request, plan, access, pk):
    require(access, Action.IMPORT)
    job = _job_for(plan, access, pk)
    if job.created_by_id != request.user.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can import it."))
    job = service.import_commit(job=job, user=request.user)
    if job.state == ImportJob.State.DONE:
        messages.success(request, _("Imported %(file)s.") % {"file": job.file_name})
    return redirect("tracking:import-detail", plan_id=plan.pk, pk=job.pk)


@plan_view
@require_POST
def import_discard(request, plan, access, pk):
    job = _job_for(plan, access, pk)
    if job.created_by_id != request.user.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can discard it."))
    service.import_discard(job=job)
    messages.info(request, _("Nothing was imported from %(file)s.") % {"file": job.file_name})
    return redirect("tracking:import-list", plan_id=plan.pk)


@plan_view
@require_GET
def import_progress(request, plan, access, pk):
    """The progress bar, polled every second while the job runs; once it is finished the
    page reloads to show the outcome."""
    job = _job_for(plan, access, pk)
    response = render(
        request,
        "tracking/_import_progress.html",
        {"plan": plan, "job": job, "progress": service.import_progress(job)},
    )
    if job.state != ImportJob.State.RUNNING and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@plan_view
@require_GET
def import_template(request, plan, access, kind, fmt):
    if kind not in KINDS or fmt not in ("xlsx", "csv"):
        raise Http404
    if not service.import_kinds_allowed(plan, access)[kind]:
        raise PermissionDenied(_("You may not import this kind of file in this plan."))
    name = f"{kind}-template.{fmt}"
    if fmt == "csv":
        return _download(exports.template_csv(KINDS[kind]), name, "text/csv; charset=utf-8")
    return _download(
        exports.write_workbook(service.template_sheets(plan, access, kind)),
        name,
        exports.XLSX_CONTENT_TYPE,
    )


@plan_view
@require_GET
def export_plan(request, plan, access):
    require(access, Action.VIEW)
    data = exports.plan_workbook(plan)
    return _download(data, exports.export_file_name(plan), exports.XLSX_CONTENT_TYPE)


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("<int:plan_id>/imports/", import_list, name="import-list"),
    path(
        "<int:plan_id>/imports/<str:kind>/template.<str:fmt>",
        import_template,
        name="import-template",
    ),
    path("<int:plan_id>/imports/<str:kind>/upload/", import_upload, name="import-upload"),
    path("<int:plan_id>/imports/<int:pk>/", import_detail, name="import-detail"),
    path("<int:plan_id>/imports/<int:pk>/commit/", import_commit, name="import-commit"),
    path("<int:plan_id>/imports/<int:pk>/discard/", import_discard, name="import-discard"),
    path("<int:plan_id>/imports/<int:pk>/progress/", import_progress, name="import-progress"),
    path("<int:plan_id>/export.xlsx", export_plan, name="export-plan"),
]
