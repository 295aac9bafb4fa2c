"""Ids as one array: ``__any`` finds what ``__in`` finds, ``ids_of`` reads them back."""

from __future__ import annotations

import pytest

from shop.catalog.models import Category, Product
from shop.id_arrays import IdArray, ids_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def products() -> list[Product]:
    category = Category.objects.create(name="Any Kurtas", slug="any-kurtas")
    return [
        Product.objects.create(external_id=f"any-{i}", name=f"Kurta {i}", category=category)
        for i in range(5)
    ]


def test_any_finds_what_in_finds(products) -> None:
    ids = [products[0].pk, products[3].pk, 10**12]
    assert set(Product.objects.filter(id__any=ids)) == set(Product.objects.filter(id__in=ids))
    assert set(Product.objects.exclude(id__any=ids)) == set(Product.objects.exclude(id__in=ids))
    assert not Product.objects.filter(id__any=[]).exists()
    assert Product.objects.filter(category__id__any=[products[0].category_id]).count() == 5


def test_thousands_of_values_are_one_parameter(products) -> None:
    ids = list(range(1, 5001))
    sql, params = Product.objects.filter(id__any=ids).values("id").query.sql_with_params()
    assert "= ANY(%s::bigint[])" in sql
    assert params == ("{" + ",".join(map(str, ids)) + "}",)
    same = Product.objects.filter(id__any=IdArray(ids)).values("id").query.sql_with_params()
    assert same == (sql, params)


def test_ids_of_reads_a_querysets_ids(products) -> None:
    chosen = Product.objects.filter(id__any=[products[1].pk, products[4].pk]).order_by("-id")
    assert sorted(ids_of(chosen)) == sorted([products[1].pk, products[4].pk])
    assert ids_of(Product.objects.none()) == []
    assert ids_of(Product.objects.filter(name="no such kurta")) == []
