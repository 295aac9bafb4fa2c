"""What the task engine does not keep itself: each job's outcome, embedding runs
split into leased shards, admin catalog imports and sent e-mails.

procrastinate keeps a job's status (queued, running, done, failed) and events; the
summary a job printed or the error it failed with lives here, keyed by job id.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.files.storage import FileSystemStorage
from django.db import models


class JobOutcome(models.Model):
    """The last attempt of a procrastinate job: its summary, or why it failed."""

    job_id = models.BigIntegerField(unique=True)
    task_name = models.CharField(max_length=200)
    attempt = models.PositiveIntegerField(default=1)
    succeeded = models.BooleanField(null=True, help_text="Empty while running.")
    summary = models.TextField(blank=True)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"job {self.job_id} ({self.task_name})"


class EmbeddingRun(models.Model):
    """One `embed_catalog --enqueue` (or admin re-embed): its products split into shards.

    `force_before` makes a re-embed: products embedded before it are done again;
    after it they count as done, so running a shard twice changes nothing.
    """

    model_id = models.CharField(max_length=200)
    force_before = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    shard_size = models.PositiveIntegerField()
    requested_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"embedding run {self.pk} ({self.total} products, {self.model_id})"


class EmbeddingShard(models.Model):
    """A slice of a run's products, leased by one worker at a time.

    A lease is a token and an expiry, renewed after every batch; a worker that died
    stops renewing, and once the lease has run out a retry of the shard's job takes
    it over. Writes check the token first, so a worker that lost its lease stops.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        LEASED = "leased"
        DONE = "done"
        FAILED = "failed"

    run = models.ForeignKey(EmbeddingRun, on_delete=models.CASCADE, related_name="shards")
    number = models.PositiveIntegerField()
    product_ids = ArrayField(models.BigIntegerField())
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    job_id = models.BigIntegerField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    leased_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    embedded = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0, help_text="Time spent embedding (all attempts).")
    leased_at = models.DateTimeField(null=True, blank=True, help_text="First lease.")
    progress_at = models.DateTimeField(null=True, blank=True, help_text="Last batch committed.")
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="unique_run_shard"),
        ]
        indexes = [
            models.Index(fields=["status"]),
            GinIndex(fields=["product_ids"], name="shard_products_gin"),
        ]

    def __str__(self) -> str:
        return f"run {self.run_id} shard {self.number}"


def _imports_storage() -> FileSystemStorage:
    # Outside MEDIA_ROOT: uploaded archives are never served.
    return FileSystemStorage(location=settings.SHOP_DATA_DIR / "imports")


class CatalogImport(models.Model):
    """A catalog import requested in the admin: an uploaded zip or a server folder."""

    archive = models.FileField(upload_to="uploads/", storage=_imports_storage, blank=True)
    server_path = models.CharField(max_length=1000, blank=True)
    limit = models.PositiveIntegerField(null=True, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    requested_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.server_path or self.archive.name or f"import {self.pk}"


class SentEmail(models.Model):
    """One row per e-mail sent by `send_email`, keyed so a retry never sends twice."""

    key = models.CharField(max_length=200, unique=True)
    to = models.JSONField()
    subject = models.CharField(max_length=300)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
