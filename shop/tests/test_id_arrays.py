"""Ids as one array: ``__any`` finds what ``__in`` finds, ``ids_of`` reads them back."""

from __future__ import annotations

import pytest
from django.db.models import Q

from shop.catalog.models import Category, Product
from shop.id_arrays import IdArray, ids_matching, ids_of

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


@pytest.mark.parametrize("ordered", [False, True])
def test_ids_matching_reads_the_ids_and_each_conditions_matches(products, ordered) -> None:
    Product.objects.filter(pk__in=[products[1].pk, products[3].pk]).update(base_colour="Black")
    Product.objects.filter(pk=products[3].pk).update(gender="Women")
    mine = Product.objects.filter(pk__in=[p.pk for p in products])
    queryset = mine.exclude(pk=products[0].pk).order_by("-name")
    conditions = [Q(base_colour="Black"), Q(gender="Women"), Q(name="no such kurta")]
    ids, (black, women, none) = ids_matching(queryset, conditions, ordered=ordered)
    expected = [p.pk for p in reversed(products[1:])]
    assert (ids if ordered else sorted(ids)) == (expected if ordered else sorted(expected))
    assert (sorted(black), women, none) == ([products[1].pk, products[3].pk], [products[3].pk], [])
    # No conditions, and nothing to read.
    again, nothing = ids_matching(queryset, [], ordered=ordered)
    assert (again if ordered else sorted(again), nothing) == (
        ids if ordered else sorted(ids),
        [],
    )
    assert ids_matching(Product.objects.none(), [Q(gender="Women")], ordered=ordered) == ([], [[]])
    assert ids_of(queryset, ordered=True) == expected
