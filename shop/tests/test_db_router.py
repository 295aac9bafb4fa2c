"""DATABASE_REPLICA_URLS: read-only storefront and search reads go to a replica;
writes, the admin, carts, orders, sessions and the task engine use the primary."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connections, models
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext, isolate_apps
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.catalog.models import Product
from shop.db_router import PrimaryReplicaRouter, ReplicaReadsMiddleware
from shop.jobs.models import JobOutcome

REPLICA = "replica_1"


def _decisions(method: str, path: str, models_: list[type[models.Model]]) -> dict[str, str]:
    """What the router decides for reads and writes during a request."""
    router = PrimaryReplicaRouter()

    def view(request):
        return {m._meta.label: (router.db_for_read(m), router.db_for_write(m)) for m in models_}

    request = getattr(RequestFactory(), method.lower())(path)
    return ReplicaReadsMiddleware(view)(request)


@isolate_apps("shop")
def test_storefront_reads_go_to_a_replica_and_everything_else_to_the_primary(settings) -> None:
    settings.SHOP_REPLICA_ALIASES = [REPLICA]

    class Cart(models.Model):  # noqa: DJ008
        class Meta:
            app_label = "cart"

    class Order(models.Model):  # noqa: DJ008
        class Meta:
            app_label = "orders"

    everything = [Product, Cart, Order, Session, ProcrastinateJob, JobOutcome]
    storefront = _decisions("GET", "/", everything)
    assert storefront["catalog.Product"] == (REPLICA, "default")
    for label in (
        "cart.Cart",
        "orders.Order",
        "sessions.Session",
        "procrastinate.ProcrastinateJob",
        "jobs.JobOutcome",
    ):
        assert storefront[label] == ("default", "default"), label
    assert _decisions("POST", "/api/search/", [Product])["catalog.Product"][0] == REPLICA
    # Requests that write, and the admin (read-your-writes), stay on the primary.
    assert _decisions("POST", "/cart/add/", [Product])["catalog.Product"][0] == "default"
    assert (
        _decisions("GET", "/admin/catalog/product/", [Product])["catalog.Product"][0] == "default"
    )
    # Outside a request (tasks, commands) reads are on the primary.
    assert PrimaryReplicaRouter().db_for_read(Product) == "default"


def test_without_replicas_everything_is_on_the_primary(settings) -> None:
    settings.SHOP_REPLICA_ALIASES = []
    assert _decisions("GET", "/", [Product])["catalog.Product"] == ("default", "default")
    assert PrimaryReplicaRouter().allow_migrate(REPLICA, "catalog") is False
    assert PrimaryReplicaRouter().allow_migrate("default", "catalog") is True


# A second alias on the test database (a test mirror) stands in for a replica. It must
# exist before the test database is set up, so it is declared at collection.
connections.settings.setdefault(
    REPLICA, {**connections.settings["default"], "TEST": {"MIRROR": "default"}}
)


@pytest.fixture
def replica(settings):
    settings.SHOP_REPLICA_ALIASES = [REPLICA]
    yield connections[REPLICA]
    # Mirrors get no test transaction; close it or the test database cannot be dropped.
    connections[REPLICA].close()


@pytest.mark.django_db(databases=["default", REPLICA])
def test_a_storefront_page_reads_the_catalog_from_the_replica(client, replica) -> None:
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/")
    assert response.status_code == 200
    assert any("catalog_product" in q["sql"] for q in on_replica.captured_queries)
    assert not any("catalog_product" in q["sql"] for q in on_primary.captured_queries)


@pytest.mark.django_db(databases=["default", REPLICA])
def test_a_search_reads_the_catalog_and_its_vectors_from_the_replica(client, replica) -> None:
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/", {"q": "comfortable everyday wear"})
    assert response.status_code == 200
    on_primary_sql = " ".join(q["sql"] for q in on_primary.captured_queries)
    assert "catalog_product" not in on_primary_sql
    assert "catalog_synonym" not in on_primary_sql  # the vocabulary's fingerprint
    assert any("catalog_product" in q["sql"] for q in on_replica.captured_queries)
    assert any("catalog_productqueryembedding" in q["sql"] for q in on_replica.captured_queries)
