"""The admin's view of background work: every job with its state and outcome,
embedding runs with their progress, and catalog imports (which it can start)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html
from procrastinate.contrib.django.admin import ProcrastinateJobAdmin
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.catalog.admin import ProductAdmin as CatalogProductAdmin
from shop.catalog.models import Product
from shop.jobs.embedding import embedding_enqueue
from shop.jobs.engine import STATE_NAMES
from shop.jobs.imports import ImportRejected, archive_check, import_root_check
from shop.jobs.models import CatalogImport, EmbeddingRun, EmbeddingShard, JobOutcome
from shop.jobs.selectors import embedding_progress
from shop.search.encoder import current_model_id

admin.site.unregister(ProcrastinateJob)


def _outcome(job_id: object, field: str) -> Subquery:
    return Subquery(JobOutcome.objects.filter(job_id=job_id).values(field)[:1])


def _guarded(action):  # noqa: ANN001, ANN202 (an admin action)
    """procrastinate's action, offered only to staff who may change jobs.

    procrastinate declares no permissions on its actions, so Django offered retry,
    cancel and abort to anyone who could view the list.
    """

    @admin.action(description=action.short_description, permissions=["manage"])
    def guarded(modeladmin: JobAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        return action(modeladmin, request, queryset)

    guarded.__name__ = action.__name__
    return guarded


@admin.register(ProcrastinateJob)
class JobAdmin(ProcrastinateJobAdmin):
    """procrastinate's read-only job admin, plus what each job returned or failed with."""

    actions = [_guarded(action) for action in ProcrastinateJobAdmin.actions]
    list_display = ["pk", "short_task_name", "pretty_args", "state", "attempts", "outcome"]
    fields = [*ProcrastinateJobAdmin.fields, "outcome_summary", "outcome_error"]

    def has_manage_permission(self, request: HttpRequest) -> bool:
        # The rows stay read-only (has_change_permission is False): the change
        # permission only says who may retry, cancel or abort.
        return request.user.has_perm("procrastinate.change_procrastinatejob")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProcrastinateJob]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                outcome_summary_text=_outcome(OuterRef("pk"), "summary"),
                outcome_error_text=_outcome(OuterRef("pk"), "error"),
            )
            .order_by("-pk")
        )

    @admin.display(description="state", ordering="status")
    def state(self, job: ProcrastinateJob) -> str:
        return STATE_NAMES.get(job.status, job.status)

    @admin.display(description="outcome")
    def outcome(self, job: ProcrastinateJob) -> str:
        if job.outcome_error_text and job.status != "succeeded":
            return job.outcome_error_text.splitlines()[0]
        return (job.outcome_summary_text or "").replace("\n", " · ")

    @admin.display(description="summary")
    def outcome_summary(self, job: ProcrastinateJob) -> str:
        return format_html("<pre>{}</pre>", job.outcome_summary_text or "—")

    @admin.display(description="error (last attempt)")
    def outcome_error(self, job: ProcrastinateJob) -> str:
        return format_html("<pre>{}</pre>", job.outcome_error_text or "—")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ShardInline(admin.TabularInline):
    model = EmbeddingShard
    fields = [
        "number",
        "status",
        "leased_by",
        "lease_expires_at",
        "attempts",
        "embedded",
        "skipped",
        "seconds",
        "error",
        "job_id",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(EmbeddingRun)
class EmbeddingRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "model_id", "requested_by", "total", "progress"]
    readonly_fields = [
        "model_id",
        "force_before",
        "total",
        "shard_size",
        "requested_by",
        "created_at",
        "progress",
    ]
    inlines = [ShardInline]

    @admin.display(description="progress")
    def progress(self, run: EmbeddingRun) -> str:
        return " ".join(embedding_progress(runs=[run]).lines())

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):  # noqa: ANN201
        # The fleet's progress over the runs still open, above the list.
        lines = embedding_progress().lines()
        if EmbeddingRun.objects.exists():
            self.message_user(request, "Embedding now: " + " ".join(lines), messages.INFO)
        return super().changelist_view(request, extra_context)


class CatalogImportForm(forms.ModelForm):
    class Meta:
        model = CatalogImport
        fields = ["archive", "server_path", "limit"]
        help_texts = {
            "archive": "A zip in the Kaggle layout (styles.csv + images/<id>.jpg).",
            "server_path": "Or a folder on the server, under SHOP_IMPORT_ROOTS.",
        }

    def clean_archive(self) -> object:
        upload = self.cleaned_data.get("archive")
        if upload:
            try:
                archive_check(upload)
            except ImportRejected as rejected:
                raise forms.ValidationError(rejected.message) from None
            upload.seek(0)
        return upload

    def clean_server_path(self) -> str:
        path = self.cleaned_data["server_path"].strip()
        if path:
            try:
                import_root_check(path)
            except ImportRejected as rejected:
                raise forms.ValidationError(rejected.message) from None
        return path

    def clean(self) -> dict:
        data = super().clean()
        if "archive" in self.errors or "server_path" in self.errors:
            return data  # already told what is wrong with the one given
        if bool(data.get("archive")) == bool(data.get("server_path")):
            raise forms.ValidationError("Give either a zip or a server folder.")
        return data


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    form = CatalogImportForm
    list_display = ["pk", "created_at", "source", "requested_by", "state", "summary"]
    readonly_fields = ["job_id", "requested_by", "created_at", "state", "summary"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CatalogImport]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                job_status=Subquery(
                    ProcrastinateJob.objects.filter(pk=OuterRef("job_id")).values("status")[:1]
                ),
                outcome_summary=_outcome(OuterRef("job_id"), "summary"),
                outcome_error=_outcome(OuterRef("job_id"), "error"),
            )
        )

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return obj is None

    def get_urls(self) -> list:
        return [
            path(
                "upload-allowed/",
                self.upload_allowed_view,
                name="jobs_catalogimport_upload_allowed",
            ),
            *super().get_urls(),
        ]

    def upload_allowed_view(self, request: HttpRequest) -> HttpResponse:
        """The proxy asks this before it takes an import's body (deploy/nginx.conf,
        ``auth_request``): 204 when the request it holds may send a big zip (a
        signed-in staff member who may add imports), else 403, so nobody else can
        make it spool up to 2 GiB. Reads of the form pass (the admin guards them)."""
        method = request.headers.get("X-Original-Method", "POST").upper()
        allowed = method in ("GET", "HEAD") or (
            request.user.is_active and request.user.is_staff and self.has_add_permission(request)
        )
        response = HttpResponse(status=204 if allowed else 403)
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.display(description="source")
    def source(self, request: CatalogImport) -> str:
        return str(request)

    @admin.display(description="state")
    def state(self, request: CatalogImport) -> str:
        status = getattr(request, "job_status", None)
        return STATE_NAMES.get(status, status or "—")

    @admin.display(description="summary")
    def summary(self, request: CatalogImport) -> str:
        if getattr(request, "outcome_error", "") and request.job_status != "succeeded":
            return format_html("<pre>{}</pre>", request.outcome_error.splitlines()[0])
        return format_html("<pre>{}</pre>", getattr(request, "outcome_summary", "") or "—")

    def save_model(
        self, request: HttpRequest, obj: CatalogImport, form: CatalogImportForm, change: bool
    ) -> None:
        from shop.jobs.tasks import import_catalog

        obj.requested_by = request.user.get_username()
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            obj.job_id = import_catalog.defer(import_id=obj.pk)
            obj.save(update_fields=["job_id"])
        self.message_user(
            request, f"Import queued as job {obj.job_id}; its summary appears here when done."
        )


class EmbeddingStatusFilter(admin.SimpleListFilter):
    title = "embedding"
    parameter_name = "embedding"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("current", f"Current model ({current_model_id()})"),
            ("other", "Another model (needs re-embedding)"),
            ("none", "Not embedded"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        model_id = current_model_id()
        match self.value():
            case "current":
                return queryset.embedded_with(model_id)
            case "other":
                return queryset.needing_embedding(model_id).exclude(embedding_model="")
            case "none":
                return queryset.filter(embedding_model="")
        return queryset


# The catalog's product admin, with embedding added: a status filter and the action that
# runs on this app's task engine. The catalog knows nothing of embeddings or jobs (it
# sits below them), so they are added here.
admin.site.unregister(Product)


@admin.register(Product)
class ProductAdmin(CatalogProductAdmin):
    list_filter = [*CatalogProductAdmin.list_filter, EmbeddingStatusFilter]
    actions = [*(CatalogProductAdmin.actions or ()), "re_embed"]

    @admin.action(
        description="Re-embed selected products with the current model", permissions=["change"]
    )
    def re_embed(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        # A background job on the task engine (shards on the "embedding" queue):
        # the real model takes ~5 s a photo on a CPU, more than a request can wait.
        run = embedding_enqueue(
            model_id=current_model_id(),
            product_ids=queryset.values_list("id", flat=True),
            force=True,
            requested_by=request.user.get_username(),
        )
        skipped = queryset.count() - run.total
        self.message_user(
            request,
            f"{run.total} products queued for re-embedding (embedding run {run.pk}); "
            "progress under Background jobs › Embedding runs."
            + (f" {skipped} already queued by an earlier run." if skipped else ""),
            level=messages.SUCCESS,
        )
