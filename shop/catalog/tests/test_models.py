from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.postgres.expressions import ArraySubquery
from django.db import IntegrityError, connection, transaction

from shop.catalog.models import Category, Product, ProductVariant, in_stock_sizes, variant_sku

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
    assert product.get_absolute_url() == f"/products/{product.pk}-test-jacket/"


def _sized(category: Category, stocks: list[int | None], **fields: object) -> Product:
    """A product with one size per stock value (None = not tracked)."""
    product = _product(category, **fields)
    for i, stock in enumerate(stocks):
        ProductVariant.objects.create(
            product=product, size=f"S{i}", sku=f"{product.external_id}-S{i}", stock=stock
        )
    return Product.objects.get(pk=product.pk)


def test_a_product_without_a_price_is_not_available(category):
    assert _sized(category, [5], price=None).is_available is False


def test_a_product_with_a_price_and_untracked_stock_is_available(category):
    product = _sized(category, [None], price=Decimal("499.00"))
    assert (product.is_available, product.is_sold_out, product.stock) == (True, False, None)


def test_a_product_with_a_price_and_stock_in_some_size_is_available(category):
    product = _sized(category, [0, 3, 2], price=Decimal("499.00"))
    assert (product.is_available, product.stock) == (True, 5)


def test_a_product_whose_every_tracked_size_is_at_zero_is_sold_out(category):
    product = _sized(category, [0, 0], price=Decimal("499.00"))
    assert (product.is_available, product.is_sold_out, product.stock) == (False, True, 0)


def test_an_untracked_size_keeps_a_product_available(category):
    assert _sized(category, [0, None], price=Decimal("499.00")).is_available is True


def test_inactive_sizes_are_neither_sold_nor_counted(category):
    product = _sized(category, [4, None], price=Decimal("499.00"))
    product.variants.update(is_active=False)
    product = Product.objects.get(pk=product.pk)
    assert (product.is_sold_out, product.stock) == (True, None)


def test_a_card_reads_the_sizes_in_stock_in_order_as_the_stock_rules_say(category):
    product = _sized(category, [4, 0, None, 2, 7], external_id="cards-1")
    ProductVariant.objects.filter(product=product, size="S3").update(is_active=False)
    ProductVariant.objects.filter(product=product, size="S4").update(position=0)
    ProductVariant.objects.filter(product=product).exclude(size="S4").update(position=1)
    _sized(category, [0], external_id="cards-2")
    _sized(category, [], external_id="cards-3")
    mine = Product.objects.filter(external_id__startswith="cards-")
    as_cards = {p.external_id: p.sizes_in_stock() for p in mine.for_cards()}
    by_rule = {
        p.external_id: [v.size for v in p.variants.order_by("position", "id") if v.in_stock]
        for p in mine
    }
    assert as_cards == by_rule == {"cards-1": ["S4", "S0", "S2"], "cards-2": [], "cards-3": []}
    orm = mine.annotate(
        sizes=ArraySubquery(in_stock_sizes().order_by("position", "id").values("size"))
    )
    assert {p.external_id: p.sizes for p in orm} == as_cards


def test_a_product_without_sizes_cannot_be_bought(category):
    assert _sized(category, [], price=Decimal("499.00")).is_available is False


def test_a_size_is_unique_per_product_and_a_sku_across_the_shop(category):
    product = _sized(category, [None])
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.create(product=product, size="S0", sku="other")
    other = _product(category, external_id="test-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductVariant.objects.create(product=other, size="M", sku="test-1-S0")


def test_a_sku_is_the_id_and_the_size_and_stays_within_its_column():
    assert variant_sku("1525", "One size") == "1525-Onesize"
    assert variant_sku("10000", "2YRS") == "10000-2YRS"
    long_a, long_b = "a" * 150 + "1", "a" * 150 + "2"
    skus = {variant_sku(long_a, "EURO42"), variant_sku(long_b, "EURO42")}
    assert len(skus) == 2
    assert all(len(sku) <= 120 and sku.endswith("-EURO42") for sku in skus)


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
