"""Writes of the jobs app: idempotent e-mail sending and the periodic clean-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.jobs.models import CatalogImport, EmbeddingRun, EmbeddingShard, JobOutcome, SentEmail

# The task that sends one e-mail (shop/jobs/tasks.py), deferred by name.
SEND_EMAIL = "shop.jobs.tasks.send_email"


def email_queue(*, key: str, to: list[str], subject: str, body: str) -> int | None:
    """Queue `send_email` for `key`; the job id, or None if one is already queued.

    Call it inside the transaction that creates what the e-mail is about (an order):
    the job is then queued if and only if the order commits. E.g.
    `email_queue(key=f"order-confirmation:{order.pk}", to=[order.email], ...)`.
    """
    from procrastinate.contrib.django import app
    from procrastinate.exceptions import AlreadyEnqueued

    try:
        # A savepoint: the unique violation behind AlreadyEnqueued must not abort
        # the caller's transaction.
        with transaction.atomic():
            # By name: the task module imports this one, never the other way round.
            send_email = app.configure_task(SEND_EMAIL, allow_unknown=False, queueing_lock=key)
            return send_email.defer(key=key, to=to, subject=subject, body=body)
    except AlreadyEnqueued:
        return None


def email_send(*, key: str, to: list[str], subject: str, body: str) -> bool:
    """Send an e-mail once per `key` (e.g. "order-confirmation:1234"); True if sent now.

    The row that records the send is inserted in the transaction that sends: a failed
    send rolls it back (the job retries), a second run finds it and sends nothing.
    A worker killed between the SMTP hand-off and the commit sends it again on retry:
    at-least-once, the strongest promise SMTP allows.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                SentEmail.objects.create(key=key, to=to, subject=subject)
        except IntegrityError:
            return False
        send_mail(subject, body, None, to, fail_silently=False)
    return True


@dataclass
class CleanupSummary:
    sessions: int = 0
    outcomes: int = 0
    embedding_runs: int = 0
    import_archives: int = 0
    unpacked: int = 0
    conversations: int = 0
    search_photos: int = 0

    def lines(self) -> list[str]:
        return [
            f"Expired sessions: {self.sessions}  Old job outcomes: {self.outcomes}  "
            f"Finished embedding runs: {self.embedding_runs}  "
            f"Import archives: {self.import_archives}  Unpack leftovers: {self.unpacked}  "
            f"Idle conversations: {self.conversations}  Shoppers' photos: {self.search_photos}"
        ]


def housekeeping_run(*, keep_days: int = 30) -> CleanupSummary:
    """Delete what has expired; running it twice deletes nothing more."""
    from django.contrib.sessions.models import Session

    from shop.assistant.conversation import conversations_expire
    from shop.jobs.imports import catalog_import_archive_delete, unpacked_leftovers_clear
    from shop.search.photos import search_photos_expire

    now = timezone.now()
    cutoff = now - timedelta(days=keep_days)
    summary = CleanupSummary()
    summary.sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    summary.outcomes, _ = JobOutcome.objects.filter(finished_at__lt=cutoff).delete()
    finished = EmbeddingRun.objects.filter(created_at__lt=cutoff).exclude(
        shards__status__in=[EmbeddingShard.Status.QUEUED, EmbeddingShard.Status.LEASED]
    )
    summary.embedding_runs = finished.count()
    EmbeddingRun.objects.filter(pk__in=list(finished.values_list("pk", flat=True))).delete()
    for request in CatalogImport.objects.filter(created_at__lt=cutoff).exclude(archive=""):
        catalog_import_archive_delete(catalog_import=request)
        summary.import_archives += 1
    summary.unpacked = unpacked_leftovers_clear()
    summary.conversations = conversations_expire()
    summary.search_photos = search_photos_expire()
    return summary
