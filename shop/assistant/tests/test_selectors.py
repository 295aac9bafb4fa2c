from __future__ import annotations

import pytest

from shop.assistant.retrieval import assistant_products
from shop.assistant.selectors import complementary_types
from shop.assistant.types import Classification, Want
from shop.catalog.models import Category, Product
from shop.search.selectors import keyword_query

pytestmark = pytest.mark.django_db


def _sub_categories(names: list[str]) -> list[str]:
    by_name = dict(Category.objects.values_list("name", "sub_category"))
    return [by_name[name] for name in names]


def test_a_top_is_completed_by_bottomwear_shoes_and_an_accessory():
    tshirts = Category.objects.get(name="Tshirts")

    types = complementary_types(category=tshirts, gender=("Men", "Unisex"))

    assert _sub_categories(types)[:2] == ["Bottomwear", "Shoes"]
    assert len(types) == 3
    assert Category.objects.get(name=types[2]).master_category == "Accessories"


def test_shoes_are_completed_by_a_top_and_a_bottom():
    shoes = Category.objects.get(name="Sports Shoes")

    types = complementary_types(category=shoes, gender=("Men", "Unisex"))

    assert _sub_categories(types)[:2] == ["Topwear", "Bottomwear"]


def test_a_dress_is_completed_by_shoes_a_bag_and_jewellery():
    dresses = Category.objects.get(name="Dresses")

    types = complementary_types(category=dresses, gender=("Women", "Unisex"))

    assert _sub_categories(types) == ["Shoes", "Bags", "Jewellery"]
    assert types[0] == "Heels"


def test_the_types_come_from_the_catalog_not_a_list():
    chinos = Category.objects.create(
        name="Chinos", slug="chinos", master_category="Apparel", sub_category="Bottomwear"
    )
    for i in range(5):
        Product.objects.create(
            external_id=f"chino-{i}", name="Chino", category=chinos, gender="Men"
        )
    tshirts = Category.objects.get(name="Tshirts")

    assert complementary_types(category=tshirts, gender=("Men", "Unisex"))[0] == "Chinos"
    assert "Chinos" not in complementary_types(category=tshirts, gender=("Women", "Unisex"))


def test_a_sub_category_without_a_rule_is_completed_by_its_master_category():
    capes = Category(name="Capes", master_category="Apparel", sub_category="Outerwear")

    types = complementary_types(category=capes, gender=())

    assert _sub_categories(types) == ["Shoes", "Watches"]


@pytest.mark.parametrize("text", ["spaceship", "zzzz"])
def test_words_nothing_vouches_for_find_no_products_not_filler(text: str):
    # Understood, but no article type: only the catalog's search can find something.
    retrieved = assistant_products(
        classification=Classification(wants=(), number_of_items=3), text=text, photo=None
    )

    assert retrieved.products == []


def test_words_the_keyword_channel_matches_still_find_products(search_floors):
    search_floors(text=2.0, image=2.0)  # no vector score passes: keywords alone
    matching = set(Product.objects.filter(search_vector=keyword_query("leather")))
    assert matching

    retrieved = assistant_products(
        classification=Classification(wants=(), number_of_items=3), text="leather", photo=None
    )

    assert retrieved.products and set(retrieved.products) <= matching


def test_an_adult_is_not_shown_childrens_items_labelled_unisex():
    unisex = set(Product.objects.filter(gender="Unisex").values_list("category__name", flat=True))
    women = set(Product.objects.filter(gender="Women").values_list("category__name", flat=True))
    category = sorted(unisex & women)[0]
    kids = Product.objects.filter(category__name=category, gender="Unisex")
    assert kids.update(age_group="Kids-Unisex") >= 1
    classification = Classification(
        wants=(Want(words=category, categories=(category,)),), number_of_items=30
    )

    found = assistant_products(
        classification=classification, text="", photo=None, gender=("Women", "Unisex")
    )

    assert found.products
    assert not [p for p in found.products if p.age_group.startswith("Kids")]
