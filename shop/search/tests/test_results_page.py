"""The one results page: understood words, chips, facets, the relevance floor, analytics."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import pytest
from django.db.models import Count
from django.test import Client

from shop.catalog.models import Brand, Product
from shop.search import selectors
from shop.search.filters import ProductFilters
from shop.search.models import SearchCalibration, SearchQueryLog
from shop.search.results import results_page

pytestmark = pytest.mark.django_db


def _shown(filters: ProductFilters) -> list[Product]:
    return list(results_page(filters=filters).page.object_list)


@pytest.fixture
def priced() -> list[Product]:
    """Three products of one article type with a brand and prices (the importer's job)."""
    brand = Brand.objects.create(name="Zappo", slug="zappo")
    products = list(Product.objects.order_by("id")[:3])
    for product, price in zip(products, ("499", "1500", "2500"), strict=True):
        product.brand = brand
        product.price = Decimal(price)
        product.save()
    return products


def _common_triple() -> tuple[str, str, str]:
    """The (colour, article type, gender) most products of the test catalog share."""
    row = (
        Product.objects.exclude(base_colour="")
        .exclude(gender="")
        .values("base_colour", "category__name", "gender")
        .annotate(n=Count("id"))
        .order_by("-n", "base_colour")
        .first()
    )
    return row["base_colour"], row["category__name"], row["gender"]


def test_colour_article_type_and_gender_words_show_only_those_with_chips():
    colour, article_type, gender = _common_triple()
    expected = set(
        Product.objects.filter(
            base_colour=colour, category__name=article_type, gender=gender, is_active=True
        )
    )
    assert expected
    q = f"{colour} {article_type} for {gender}".lower()
    page = results_page(filters=ProductFilters(q=q))
    assert set(page.page.object_list) == expected
    assert page.total == len(expected)
    labels = [chip.label for chip in page.chips]
    assert f"Colour: {colour}" in labels
    assert f"Article type: {article_type}" in labels
    assert f"Gender: {gender}" in labels
    chip = next(chip for chip in page.chips if chip.label == f"Colour: {colour}")
    rest = f"{article_type} for {gender}".lower().replace(" ", "+")
    assert chip.understood and chip.url == f"/?q={rest}"


def test_a_typo_offers_did_you_mean_and_shows_the_corrected_article_type():
    page = results_page(filters=ProductFilters(q="tshrit"))
    assert page.suggestion == "tshirts"
    assert page.suggestion_url == "/?q=tshirts"
    tshirts = Product.objects.filter(category__name="Tshirts", is_active=True).count()
    assert tshirts and page.total == tshirts


def test_a_vector_match_below_the_floor_is_never_shown(client: Client):
    client.get("/", {"q": "xqzv plomb"})  # computes and stores the floors for dev-tiny
    calibration = SearchCalibration.objects.get()
    assert calibration.model_id.startswith("dev-tiny")
    assert calibration.pairs > 0 and calibration.texts > 0

    calibration.text_floor = -2.0  # every product "vouched for" by the vector channel
    calibration.save()
    assert results_page(filters=ProductFilters(q="xqzv plomb")).total > 0

    calibration.text_floor = 2.0  # no cosine can pass
    calibration.save()
    page = results_page(filters=ProductFilters(q="xqzv plomb"))
    assert page.total == 0
    assert page.popular_categories  # the empty state offers somewhere to go


def test_keyword_matches_are_shown_even_when_no_vector_score_passes_the_floor(client: Client):
    client.get("/", {"q": "xqzv plomb"})  # stores the floors
    SearchCalibration.objects.update(text_floor=2.0)  # no vector match can pass
    word = "leather"
    expected = set(
        selectors.product_list(filters=ProductFilters(), q=word).values_list("id", flat=True)
    )
    assert expected, "the test catalog should have a product named with this word"
    page = results_page(filters=ProductFilters(q=word), page_size=1000)
    assert {p.pk for p in page.page.object_list} == expected
    assert all(p.search_reasons[0].startswith("Matches") for p in page.page.object_list)


def test_nonsense_gets_the_empty_state_with_help(client: Client):
    response = client.get("/", {"q": "spaceship"})
    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["results"].total == 0
    assert 'data-testid="empty-state"' in content
    assert "No good matches" in content
    assert 'data-testid="popular-categories"' in content


def test_facets_count_over_the_results_with_every_other_facet_applied(priced):
    page = results_page(filters=ProductFilters(brand=("Zappo",)))
    assert page.total == 3
    facets = {facet.name: facet for facet in page.facets}
    brand_counts = {v.label: v.count for v in facets["brand"].values}
    assert brand_counts == {"Zappo": 3}
    price_counts = {v.label: v.count for v in facets["price"].values}
    assert price_counts == {"Under ₹500": 1, "₹1,000 – ₹2,000": 1, "₹2,000 – ₹5,000": 1}
    colours = {v.label: v.count for v in facets["colour"].values}
    assert sum(colours.values()) == sum(1 for p in priced if p.base_colour)


def test_a_price_bound_in_the_words_filters_and_can_be_removed(priced):
    article_type = priced[0].category.name
    page = results_page(filters=ProductFilters(q="zappo under 2k"))
    assert {p.pk for p in page.page.object_list} == {priced[0].pk, priced[1].pk}
    chip = next(chip for chip in page.chips if chip.label.startswith("Price"))
    assert chip.label == "Price: Under ₹2,000"
    assert chip.url == "/?q=zappo"
    assert article_type  # the brand word made a brand filter
    assert "Brand: Zappo" in [c.label for c in page.chips]


def test_sorting_by_price_orders_the_results(priced):
    low = _shown(ProductFilters(brand=("Zappo",), sort="price_asc"))
    high = _shown(ProductFilters(brand=("Zappo",), sort="price_desc"))
    assert [p.price for p in low] == [Decimal("499"), Decimal("1500"), Decimal("2500")]
    assert high == low[::-1]


def test_a_search_stays_inside_the_current_article_type(client: Client):
    category = Product.objects.filter(gender="Men").order_by("id").first().category
    response = client.get("/", {"q": "men", "category": category.slug})
    shown = response.context["results"].page.object_list
    assert shown and {p.category_id for p in shown} == {category.pk}
    # The header search form carries the article type, so the next search keeps it.
    assert f'<input type="hidden" name="category" value="{category.slug}">' in (
        response.content.decode()
    )


def test_chips_remove_one_filter_and_clear_all_removes_every_one(client: Client):
    response = client.get("/", {"colour": "Black", "gender": "Men"})
    content = response.content.decode()
    chips = {c.label: c.url for c in response.context["results"].chips}
    assert chips == {"Gender: Men": "/?colour=Black", "Colour: Black": "/?gender=Men"}
    assert 'data-testid="clear-all"' in content
    assert 'href="/" hx-get="/"' in content


def test_the_page_title_says_what_is_shown(client: Client):
    category = Product.objects.order_by("id").first().category
    content = client.get("/", {"category": category.slug}).content.decode()
    assert f"<title>{category.name} (" in content
    content = client.get("/", {"q": "shirt"}).content.decode()
    assert "<title>“shirt” (" in content


def test_each_search_is_logged_without_personal_data_and_a_click_is_counted(client: Client):
    colour, article_type, _gender = _common_triple()
    q = f"{colour} {article_type}"
    response = client.get("/", {"q": q}, REMOTE_ADDR="203.0.113.9")
    log = SearchQueryLog.objects.get()
    assert (log.query, log.result_count, log.clicked_product) == (
        q.lower(),
        response.context["results"].total,
        None,
    )
    values = " ".join(str(getattr(log, f.name)) for f in SearchQueryLog._meta.fields)
    assert "203.0.113.9" not in values
    product = response.context["results"].page.object_list[0]
    click = f"{product.get_absolute_url()}?sid={quote(product.search_token)}"
    assert f'href="{click}"' in response.content.decode()
    assert client.get(click).status_code == 200  # the product page itself, no redirect
    log.refresh_from_db()
    assert log.clicked_product == product
    # Paging the same search is not a new search.
    client.get("/", {"q": q, "page": "2"})
    assert SearchQueryLog.objects.count() == 1


def test_an_old_click_link_to_an_unknown_product_is_a_404(client: Client):
    assert client.get("/search/click/1/999999999/").status_code == 404


def test_why_this_result_says_what_matched(client: Client):
    colour, article_type, _gender = _common_triple()
    response = client.get("/", {"q": f"{colour} {article_type}"})
    first = response.context["results"].page.object_list[0]
    # What every card shares is said once above the grid, not on each card.
    assert f"{colour}, as you asked" in response.context["common_reasons"]
    assert f"{colour}, as you asked" not in first.search_reasons
    content = response.content.decode()
    assert 'data-testid="why-all"' in content
    assert content.count(f"{colour}, as you asked") == 1


def test_an_expired_or_unknown_photo_token_says_so_instead_of_failing(client: Client):
    response = client.get("/", {"photo": "unknown-token-123"})
    assert response.status_code == 200
    assert 'data-testid="photo-expired"' in response.content.decode()
