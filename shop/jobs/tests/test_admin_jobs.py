"""The admin's long actions run as jobs on the real worker and show their outcome."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count
from procrastinate.contrib.django.models import ProcrastinateJob

from conftest import catalog_load, write_subset
from shop.catalog.models import Product
from shop.jobs.models import CatalogImport, JobOutcome
from shop.jobs.tests.conftest import run_worker
from shop.search.models import ProductQueryEmbedding

JOBS = "/admin/procrastinate/procrastinatejob/"
IMPORTS = "/admin/jobs/catalogimport/"


def _jobs(task: str):
    # The worker also queues its periodic tasks (housekeeping, stalled-job retries).
    return ProcrastinateJob.objects.filter(task_name=f"shop.jobs.tasks.{task}")


def _zip_of(folder: Path, *, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _upload(admin_client, data: bytes, name: str = "catalog.zip", **fields: object):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return admin_client.post(
        IMPORTS + "add/",
        {"archive": SimpleUploadedFile(name, data, "application/zip"), "server_path": "", **fields},
        follow=True,
    )


@pytest.fixture
def small_catalog(sample_catalog: Path, tmp_path: Path) -> Path:
    return write_subset(sample_catalog, tmp_path / "small", size=6, stride=50)


def test_a_re_embed_from_the_admin_completes_on_the_worker(
    admin_client, empty_queues, small_catalog: Path
) -> None:
    catalog_load(small_catalog)
    chosen = list(Product.objects.order_by("id").values_list("id", flat=True)[:4])
    before = dict(Product.objects.filter(id__in=chosen).values_list("id", "embedded_at"))

    response = admin_client.post(
        "/admin/catalog/product/", {"action": "re_embed", "_selected_action": chosen}, follow=True
    )
    assert b"4 products queued for re-embedding" in response.content
    assert _jobs("embed_shard").get().status == "todo"

    run_worker()

    job = _jobs("embed_shard").get()
    assert job.status == "succeeded"
    after = dict(Product.objects.filter(id__in=chosen).values_list("id", "embedded_at"))
    assert all(after[pk] > before[pk] for pk in chosen)
    untouched = Product.objects.exclude(id__in=chosen)
    assert all(p.embedded_at < min(after.values()) for p in untouched)
    counts = ProductQueryEmbedding.objects.values("product_id").annotate(n=Count("id"))
    assert {row["n"] for row in counts} == {32}
    page = admin_client.get(JOBS).content.decode()
    assert "done" in page and "embedded 4, skipped 0" in page
    runs = admin_client.get("/admin/jobs/embeddingrun/").content.decode()
    assert "Done: 4/4" in runs and "Shards: 1/1 done" in runs

    # Idempotent: running the shard again changes nothing.
    from shop.jobs.tasks import embed_shard

    embed_shard.defer(shard_id=job.args["shard_id"])
    run_worker()
    again = dict(Product.objects.filter(id__in=chosen).values_list("id", "embedded_at"))
    assert again == after
    latest = _jobs("embed_shard").order_by("-id").first()
    assert "already done" in JobOutcome.objects.get(job_id=latest.pk).summary


def test_an_admin_import_of_a_small_zip_completes_with_its_summary(
    admin_client, empty_queues, small_catalog: Path
) -> None:
    # Zips made from a folder usually wrap the catalog in that folder.
    response = _upload(admin_client, _zip_of(small_catalog, prefix="fashion/"))
    assert response.status_code == 200
    assert b"Import queued as job" in response.content
    assert Product.objects.count() == 0

    run_worker()

    assert Product.objects.count() == 6
    request = CatalogImport.objects.get()
    outcome = JobOutcome.objects.get(job_id=request.job_id)
    assert outcome.succeeded and "Created: 6" in outcome.summary
    page = admin_client.get(IMPORTS).content.decode()
    assert "Created: 6" in page and "done" in page
    assert not list((Path(settings.SHOP_DATA_DIR) / "imports" / "unpacked").iterdir())

    # The same zip again: the importer's idempotence, through the job.
    _upload(admin_client, _zip_of(small_catalog))
    run_worker()
    latest = CatalogImport.objects.order_by("-pk").first()
    assert "Unchanged: 6" in JobOutcome.objects.get(job_id=latest.job_id).summary
    assert Product.objects.count() == 6


def test_an_import_that_fails_shows_failed_with_the_reason(
    admin_client, empty_queues, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not a catalog")
    _upload(admin_client, _zip_of(tmp_path))

    run_worker()

    job = _jobs("import_catalog").get()
    assert job.status == "failed"
    page = admin_client.get(IMPORTS).content.decode()
    assert "failed" in page and "is not a catalog" in page
    assert "is not a catalog" in admin_client.get(JOBS).content.decode()
    detail = admin_client.get(f"{JOBS}{job.pk}/change/").content.decode()
    assert "CatalogError" in detail and "is not a catalog" in detail


def test_an_unsafe_zip_is_refused_in_the_form_and_queues_nothing(
    admin_client, empty_queues
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../../etc/evil.csv", "id\n")
    response = _upload(admin_client, buffer.getvalue())
    assert response.status_code == 200
    assert b"Unsafe path in the zip" in response.content
    assert not CatalogImport.objects.exists() and not ProcrastinateJob.objects.exists()
    # Only the reason: not also "Give either a zip or a server folder".
    assert b"Give either a zip" not in response.content


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        (["images", "images/1.jpg"], b"both as a file and as a folder"),
        (["styles.csv", "styles.csv"], b"twice"),
    ],
)
def test_a_zip_that_cannot_unpack_as_listed_is_refused_with_the_member_named(
    admin_client, empty_queues, members: list[str], reason: bytes
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in members:
            zf.writestr(name, "x")
    response = _upload(admin_client, buffer.getvalue())
    assert response.status_code == 200
    assert reason in response.content and members[0].encode() in response.content
    assert b"Give either a zip" not in response.content
    assert not CatalogImport.objects.exists() and not ProcrastinateJob.objects.exists()


def test_unpacking_never_shows_the_server_path(tmp_path: Path) -> None:
    from shop.jobs.imports import ImportRejected, archive_extract

    archive = tmp_path / "clash.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("images", "x")
        zf.writestr("images/1.jpg", "x")
    with pytest.raises(ImportRejected) as rejected:
        archive_extract(archive, tmp_path / "unpacked")
    assert "images" in rejected.value.message and str(tmp_path) not in rejected.value.message


def test_a_server_folder_outside_the_allowed_roots_is_refused(
    admin_client, empty_queues, small_catalog: Path, settings
) -> None:
    settings.SHOP_IMPORT_ROOTS = [small_catalog.parent / "elsewhere"]
    response = admin_client.post(IMPORTS + "add/", {"server_path": str(small_catalog)})
    assert response.status_code == 200
    assert b"outside the folders imports may read" in response.content
    assert not ProcrastinateJob.objects.exists()

    settings.SHOP_IMPORT_ROOTS = [small_catalog.parent]
    admin_client.post(IMPORTS + "add/", {"server_path": str(small_catalog / ".." / "small")})
    run_worker()
    assert Product.objects.count() == 6
