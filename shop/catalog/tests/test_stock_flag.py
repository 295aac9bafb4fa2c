"""``Product.in_stock`` (kept by the database from the sizes) never disagrees with them."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import Exists, F, Q

from shop.cart.tests.factories import product_make, variant_of
from shop.catalog.models import Product, ProductVariant
from shop.catalog.stock import in_stock_sizes


def _disagreeing() -> list[tuple[int, bool]]:
    """Products whose stored flag is not what their sizes say."""
    truth = Exists(in_stock_sizes())
    return list(
        Product.objects.alias(truth=truth)
        .filter(~Q(in_stock=F("truth")))
        .values_list("id", "in_stock")
    )


@pytest.mark.django_db
def test_a_new_product_without_sizes_cannot_be_bought_and_its_first_size_makes_it_buyable():
    product = product_make(sizes=())
    product.refresh_from_db()
    assert not product.in_stock
    ProductVariant.objects.create(product=product, size="M", sku="flag-m", stock=None)
    product.refresh_from_db()
    assert product.in_stock


@pytest.mark.django_db
def test_the_flag_follows_every_kind_of_write_to_sizes():
    rng = random.Random(18)
    products = [
        product_make(sizes=("S", "M", "L"), stock=rng.choice([None, 0, 2])) for _ in range(6)
    ]
    serial = iter(range(10_000))
    for step in range(120):
        sizes = list(ProductVariant.objects.order_by("id"))
        size = rng.choice(sizes)
        match rng.randrange(9):
            case 0:  # the stock owner's way: one size counted down or up
                ProductVariant.objects.filter(pk=size.pk).update(stock=rng.choice([None, 0, 1, 3]))
            case 1:  # a bulk update of a product's sizes
                ProductVariant.objects.filter(product_id=size.product_id).update(
                    stock=rng.choice([0, 5])
                )
            case 2:  # a model save (the admin's inline)
                size.is_active = not size.is_active
                size.save()
            case 3:
                size.delete()
            case 4:
                target = rng.choice(products)
                ProductVariant.objects.create(
                    product=target,
                    size=f"X{next(serial)}",
                    sku=f"flag-{next(serial)}",
                    stock=rng.choice([None, 0, 1]),
                    is_active=rng.random() < 0.8,
                )
            case 5:  # moved to another product
                ProductVariant.objects.filter(pk=size.pk).update(
                    product=rng.choice(products), size=f"Y{next(serial)}"
                )
            case 6:
                ProductVariant.objects.bulk_create(
                    ProductVariant(
                        product=target,
                        size=f"Z{next(serial)}",
                        sku=f"flag-{next(serial)}",
                        stock=rng.choice([None, 0, 4]),
                    )
                    for target in rng.sample(products, 2)
                )
            case 7:
                for chosen in rng.sample(sizes, min(3, len(sizes))):
                    chosen.stock = rng.choice([None, 0, 2])
                ProductVariant.objects.bulk_update(sizes, ["stock"])
            case 8:
                ProductVariant.objects.filter(product_id=size.product_id).delete()
        assert _disagreeing() == [], f"step {step}"
    assert {p.in_stock for p in Product.objects.filter(pk__in=[p.pk for p in products])} == {
        True,
        False,
    }, "the walk should leave both kinds"


@pytest.mark.django_db
def test_a_save_from_a_stale_product_never_writes_an_old_flag_back():
    product = product_make(stock=2)
    product.refresh_from_db()
    assert product.in_stock
    product.variants.update(stock=0)
    product.name = "Renamed"
    product.save()  # still holds in_stock=True
    product.refresh_from_db()
    assert (product.name, product.in_stock) == ("Renamed", False)


@pytest.mark.django_db(transaction=True)
def test_two_writers_selling_out_two_sizes_of_one_product_at_once_leave_it_sold_out():
    """The second writer waits for the first's lock on the product, then reads the sizes
    afresh: without that, each would still see the other's size in stock."""
    product = product_make(sizes=("S", "M"), stock=1)
    small, medium = variant_of(product, "S"), variant_of(product, "M")
    first_wrote = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                ProductVariant.objects.filter(pk=small.pk).update(stock=0)
                first_wrote.set()
                time.sleep(0.5)  # the second writes its size meanwhile
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_wrote.wait(5)
            with transaction.atomic():
                ProductVariant.objects.filter(pk=medium.pk).update(stock=0)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    product.refresh_from_db()
    assert not product.in_stock
    assert _disagreeing() == []
