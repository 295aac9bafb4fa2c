from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from shop.catalog.models import Category, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def category() -> Category:
    return Category.objects.create(
        name="Test Jackets", slug="test-jackets", master_category="Apparel", sub_category="Topwear"
    )


def _product(category: Category, **fields: object) -> Product:
    defaults: dict[str, object] = {"external_id": "test-1", "name": "Test Jacket"}
    defaults.update(fields)
    return Product.objects.create(category=category, **defaults)


def test_a_category_reads_as_its_name_and_links_to_its_filtered_listing(category):
    assert str(category) == "Test Jackets"
    assert category.get_absolute_url() == "/?category=test-jackets"


def test_a_product_reads_as_its_name_and_links_to_its_page(category):
    product = _product(category)
    assert str(product) == "Test Jacket"
    assert product.get_absolute_url() == f"/products/{product.pk}/"


def test_a_product_without_a_price_is_not_available(category):
    assert _product(category, price=None, stock=5).is_available is False


def test_a_product_with_a_price_and_unknown_stock_is_available(category):
    assert _product(category, price=Decimal("499.00"), stock=None).is_available is True


def test_a_product_with_a_price_and_stock_is_available(category):
    assert _product(category, price=Decimal("499.00"), stock=3).is_available is True


def test_a_product_out_of_stock_is_not_available(category):
    assert _product(category, price=Decimal("499.00"), stock=0).is_available is False


def test_browsable_hides_inactive_products(category):
    shown = _product(category, external_id="shown", is_active=True)
    hidden = _product(category, external_id="hidden", is_active=False)
    browsable = Product.objects.browsable()
    assert browsable.filter(pk=shown.pk).exists()
    assert not browsable.filter(pk=hidden.pk).exists()
    assert browsable.count() == Product.objects.filter(is_active=True).count()


def test_the_external_id_is_unique(category):
    _product(category, external_id="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        _product(category, external_id="same", name="Another")


def test_a_category_with_products_cannot_be_deleted(category):
    from django.db.models import ProtectedError

    _product(category)
    with pytest.raises(ProtectedError):
        category.delete()


def test_the_vector_extension_is_installed_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'")
        assert cursor.fetchone() == ("vector",)


def test_the_session_catalog_subset_is_in_the_database():
    # Every other test in this app leans on it.
    assert Product.objects.browsable().count() == 80
    assert Product.objects.exclude(image="").count() == 80
