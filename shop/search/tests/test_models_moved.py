"""Search's models moved from the catalog app without losing a row or a permission.

The database is taken back to the catalog's last migration before the move (as a shop
deployed before it), rows and a merchant's permission are written through that state,
and the move is applied: everything is found through the search app afterwards.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shop.catalog.models import Product
from shop.search.models import MerchandisingRule, SearchQueryLog, Synonym

BEFORE = [("catalog", "0013_searchquerylog_plural"), ("search", None)]
AFTER = [("catalog", "0014_search_models_moved"), ("search", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # The models as that state has them (an app taken back to zero has none).
    return executor.loader.project_state([t for t in targets if t[1]]).apps


@pytest.mark.django_db
def test_rows_and_permissions_written_before_the_move_are_read_after_it(django_user_model):
    product = Product.objects.order_by("id").first()
    old = _migrate(BEFORE)
    old.get_model("catalog", "Synonym").objects.create(term="zorbo", targets=["Tshirts"])
    old.get_model("catalog", "SearchQueryLog").objects.create(query="zorbo", result_count=3)
    old.get_model("catalog", "MerchandisingRule").objects.create(
        query="zorbo", action="hide", product_id=product.pk, enabled=True
    )
    # The content type as a shop deployed before the move has it, with a merchant's grant.
    ContentType.objects.filter(app_label="search").update(app_label="catalog")
    ContentType.objects.clear_cache()
    merchant = django_user_model.objects.create_user("merchant", is_staff=True)
    merchant.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="catalog", codename="change_merchandisingrule"
        )
    )

    _migrate(AFTER)
    ContentType.objects.clear_cache()

    assert Synonym.objects.get(term="zorbo").targets == ["Tshirts"]
    assert SearchQueryLog.objects.get(query="zorbo").result_count == 3
    assert MerchandisingRule.objects.get(query="zorbo").product_id == product.pk
    # The tables kept their names: nothing was copied or rebuilt.
    assert Synonym._meta.db_table == "catalog_synonym"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_synonym WHERE term = 'zorbo'")
        assert cursor.fetchone()[0] == 1
    assert not ContentType.objects.filter(app_label="catalog", model="merchandisingrule").exists()
    merchant = django_user_model.objects.get(pk=merchant.pk)  # no cached permissions
    assert merchant.has_perm("search.change_merchandisingrule")


def test_the_moved_models_old_admin_addresses_redirect_to_their_new_ones(admin_client):
    response = admin_client.get("/admin/catalog/merchandisingrule/add/?query=sneakers")
    assert response.status_code == 301
    assert response["Location"] == "/admin/search/merchandisingrule/add/?query=sneakers"
    # The catalog's own models stay where they are.
    assert admin_client.get("/admin/catalog/product/").status_code == 200
