"""The engine's other tasks: idempotent e-mail, housekeeping, retries, safe unzip."""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.assistant.models import Conversation
from shop.catalog.models import Product
from shop.jobs.imports import ImportRejected, archive_check, archive_extract
from shop.jobs.models import EmbeddingRun, EmbeddingShard, JobOutcome, SentEmail
from shop.jobs.services import email_queue, email_send, housekeeping_run
from shop.jobs.tests.conftest import run_worker
from shop.search.models import SearchPhoto


def test_an_email_task_sends_once_however_often_it_runs(empty_queues) -> None:
    from shop.jobs.tasks import send_email

    email = {"to": ["a@example.com"], "subject": "Your order", "body": "Thanks"}
    # A double submit queues one job while the first is waiting...
    assert email_queue(key="order-confirmation:7", **email) is not None
    assert email_queue(key="order-confirmation:7", **email) is None
    run_worker()
    # ...and a job run again (a retry, a replay) sends nothing more.
    send_email.defer(key="order-confirmation:7", **email)
    run_worker()

    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "Your order"
    assert SentEmail.objects.get().key == "order-confirmation:7"
    summaries = JobOutcome.objects.order_by("job_id").values_list("summary", flat=True)
    assert [s for s in summaries if "example.com" in s or "already" in s] == [
        "sent to a@example.com",
        "already sent (order-confirmation:7)",
    ]
    # The engine's async chores (here the periodic stalled-job check) record theirs too.
    assert "retried 0 stalled jobs" in summaries


@pytest.mark.django_db
def test_a_failed_send_leaves_no_record_so_the_retry_sends(monkeypatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("shop.jobs.services.send_mail", refuse)
    with pytest.raises(ConnectionRefusedError):
        email_send(key="k", to=["a@example.com"], subject="s", body="b")
    assert not SentEmail.objects.exists()
    monkeypatch.undo()
    assert email_send(key="k", to=["a@example.com"], subject="s", body="b") is True
    assert email_send(key="k", to=["a@example.com"], subject="s", body="b") is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_housekeeping_deletes_what_expired_and_a_second_run_deletes_nothing() -> None:
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="live", session_data="", expire_date=now + timedelta(1))
    JobOutcome.objects.create(
        job_id=1, task_name="t", started_at=now - timedelta(60), finished_at=now - timedelta(60)
    )
    run = EmbeddingRun.objects.create(model_id="m", shard_size=1, total=1)
    EmbeddingRun.objects.filter(pk=run.pk).update(created_at=now - timedelta(60))
    EmbeddingShard.objects.create(run=run, number=1, product_ids=[1], status="done")
    idle = Conversation.objects.create()
    Conversation.objects.filter(pk=idle.pk).update(updated_at=now - timedelta(60))
    Conversation.objects.create()
    old_photo = SearchPhoto.objects.create(token="old", model_id="m", embedding=[0.0] * 256)
    SearchPhoto.objects.filter(pk=old_photo.pk).update(created_at=now - timedelta(2))

    first = housekeeping_run()
    assert (first.sessions, first.outcomes, first.embedding_runs) == (1, 1, 1)
    assert (first.conversations, first.search_photos) == (1, 1)
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert Conversation.objects.count() == 1 and not SearchPhoto.objects.exists()
    second = housekeeping_run()
    assert (second.sessions, second.outcomes, second.embedding_runs) == (0, 0, 0)
    assert (second.conversations, second.search_photos) == (0, 0)


def test_a_busy_shard_is_retried_later_with_backoff(empty_queues) -> None:
    from shop.jobs.embedding import _lease
    from shop.jobs.tasks import embed_shard

    product = Product.objects.create(
        external_id="x", name="x", category_id=_category().pk, image=""
    )
    run = EmbeddingRun.objects.create(model_id="m", shard_size=1, total=1)
    shard = EmbeddingShard.objects.create(run=run, number=1, product_ids=[product.pk])
    _lease(shard.pk)  # a live worker holds it
    job_id = embed_shard.defer(shard_id=shard.pk)

    run_worker("embedding")

    job = ProcrastinateJob.objects.get(pk=job_id)
    assert job.status == "todo" and job.attempts == 1
    assert job.scheduled_at > timezone.now()
    assert "ShardBusy" in JobOutcome.objects.get(job_id=job_id).error


def _category():
    from shop.catalog.models import Category

    return Category.objects.get_or_create(name="Test", slug="test")[0]


def _zip(members: dict[str, bytes], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("members", "link", "message"),
    [
        ({"../evil": b"x"}, None, "Unsafe path"),
        ({"/etc/evil": b"x"}, None, "Unsafe path"),
        ({"a/../../evil": b"x"}, None, "Unsafe path"),
        ({"C:/evil": b"x"}, None, "Unsafe path"),
        ({"ok.csv": b"x"}, "images/link.jpg", "Links are not allowed"),
    ],
)
def test_an_unsafe_zip_is_refused(tmp_path: Path, members, link, message) -> None:
    data = _zip(members, link=link)
    with pytest.raises(ImportRejected, match=message):
        archive_check(io.BytesIO(data))
    (tmp_path / "a.zip").write_bytes(data)
    with pytest.raises(ImportRejected, match=message):
        archive_extract(tmp_path / "a.zip", tmp_path / "out")
    assert not (tmp_path.parent / "evil").exists()


def test_zip_caps_count_files_and_real_unpacked_bytes(tmp_path: Path, settings) -> None:
    settings.SHOP_IMPORT_MAX_FILES = 2
    with pytest.raises(ImportRejected, match="holds 3 files"):
        archive_check(io.BytesIO(_zip({"a": b"", "b": b"", "c": b""})))
    settings.SHOP_IMPORT_MAX_FILES = 10
    settings.SHOP_IMPORT_MAX_BYTES = 10_000
    bomb = _zip({"zeros.csv": b"0" * 50_000})  # compresses to ~100 bytes
    with pytest.raises(ImportRejected, match="more than 10000 bytes"):
        archive_check(io.BytesIO(bomb))
    (tmp_path / "bomb.zip").write_bytes(bomb)
    with pytest.raises(ImportRejected, match="more than 10000 bytes"):
        archive_extract(tmp_path / "bomb.zip", tmp_path / "out")
    with pytest.raises(ImportRejected, match="not a readable zip"):
        archive_check(io.BytesIO(b"PK not really"))
