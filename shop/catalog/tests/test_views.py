from __future__ import annotations

import html
import re
from collections import Counter
from decimal import Decimal
from urllib.parse import urljoin

import pytest
from django.db.models import Count

from shop.catalog.models import Brand, Category, Product, ProductVariant
from shop.catalog.services import product_search_vectors_refresh
from shop.search.filters import ordering

pytestmark = pytest.mark.django_db

PAGE_SIZE = 24
CARD_TITLE = re.compile(r'<h3 class="card-title">(.*?)</h3>', re.S)
RESULT_COUNT = re.compile(r'data-testid="result-count">(\d+) products?')


def _facet_counts(content: str, facet: str) -> dict[str, int]:
    pattern = re.compile(
        rf'<input type="checkbox" name="{facet}" value="([^"]*)"[^>]*>[^<]*'
        r'<span class="count">(\d+)</span>'
    )
    return {html.unescape(value): int(n) for value, n in pattern.findall(content)}


def _link(content: str, rel: str) -> str:
    match = re.search(rf'rel="{rel}" href="([^"]*)"', content)
    assert match, f"no {rel} link on the page"
    return html.unescape(match.group(1))


def _detail(response) -> str:
    """The product's own block, without what the page shows around it (similar items)."""
    assert response.status_code == 200
    match = re.search(
        r'<article class="product-detail[^"]*" data-testid="product-detail">(.*?)</article>',
        response.content.decode(),
        re.S,
    )
    assert match, "no product block on the page"
    return match.group(1)


def _grid(content: str) -> str:
    """The results grid only (the home page shows a shelf of new arrivals above it)."""
    return content.split('data-testid="product-grid"', 1)[-1]


def _titles(content: str) -> list[str]:
    return [html.unescape(t) for t in CARD_TITLE.findall(_grid(content))]


def _metas(content: str) -> list[str]:
    """ "Article type · colour" of each card's product (cards show only brand, name, price)."""
    products = {p.name: p for p in Product.objects.select_related("category")}
    return [f"{products[t].category.name} · {products[t].base_colour}" for t in _titles(content)]


def _result_count(content: str) -> int:
    match = RESULT_COUNT.search(content)
    assert match, "no result count on the page"
    return int(match.group(1))


def _counts(queryset, field: str) -> dict[str, int]:
    return {
        row[field]: row["n"]
        for row in queryset.exclude(**{field: ""}).values(field).annotate(n=Count("id"))
    }


@pytest.fixture
def browsable():
    return Product.objects.browsable()


@pytest.fixture
def category_with_several() -> Category:
    return (
        Category.objects.annotate(n=Count("products"))
        .filter(n__gte=2)
        .order_by("-n", "name")
        .first()
    )


# Listing ---------------------------------------------------------------------------------


def test_the_listing_shows_the_first_page_of_products_by_name(client, browsable):
    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert _result_count(content) == browsable.count() == 80
    # "Best match" with nothing to match: priced products first, newest first (not A to Z).
    expected = list(
        browsable.order_by(*ordering("relevance")).values_list("name", flat=True)[:PAGE_SIZE]
    )
    assert _titles(content) == expected


def test_the_listing_has_category_navigation_with_counts(client, browsable):
    content = client.get("/").content.decode()

    assert "Shop by category" in content
    per_category = Counter(browsable.values_list("category__slug", "category__name"))
    for (slug, name), n in per_category.items():
        link = f'<a href="/?category={slug}">{html.escape(name)} <span class="count">{n}</span>'
        assert link in content


def test_the_navigation_leaves_out_categories_with_only_inactive_products(client):
    category = Category.objects.create(name="Hidden Things", slug="hidden-things")
    Product.objects.create(external_id="h1", name="Hidden", category=category, is_active=False)

    content = client.get("/").content.decode()

    assert "/?category=hidden-things" not in content


def test_gender_and_colour_facet_counts_match_the_catalog(client, browsable):
    content = client.get("/").content.decode()

    assert _facet_counts(content, "gender") == _counts(browsable, "gender")
    assert _facet_counts(content, "colour") == _counts(browsable, "base_colour")
    assert _facet_counts(content, "category") == _counts(browsable, "category__slug")


def test_selecting_a_colour_keeps_the_other_colour_counts(client, browsable):
    content = client.get("/", {"colour": "Black"}).content.decode()

    black = browsable.filter(base_colour="Black")
    assert _result_count(content) == black.count() > 0
    # Colour is counted without its own choice, the other facets within it.
    assert _facet_counts(content, "colour") == _counts(browsable, "base_colour")
    assert _facet_counts(content, "gender") == _counts(black, "gender")
    assert 'name="colour" value="Black" checked' in content
    assert all(meta.endswith(" · Black") for meta in _metas(content))


def test_two_colours_show_products_of_either(client, browsable):
    content = client.get("/", {"colour": ["Black", "Blue"]}).content.decode()

    assert _result_count(content) == browsable.filter(base_colour__in=["Black", "Blue"]).count()


def test_facets_combine_across_groups(client, browsable):
    content = client.get("/", {"colour": "Black", "gender": "Men"}).content.decode()

    expected = browsable.filter(base_colour="Black", gender="Men")
    assert _result_count(content) == expected.count() > 0
    assert _facet_counts(content, "gender") == _counts(
        browsable.filter(base_colour="Black"), "gender"
    )
    assert _facet_counts(content, "colour") == _counts(
        browsable.filter(gender="Men"), "base_colour"
    )


def test_filtering_by_category_slug_shows_only_that_article_type(
    client, browsable, category_with_several
):
    content = client.get("/", {"category": category_with_several.slug}).content.decode()

    expected = browsable.filter(category=category_with_several).count()
    assert _result_count(content) == expected >= 2
    metas = _metas(content)
    assert len(metas) == expected
    assert all(meta.split(" · ")[0] == category_with_several.name for meta in metas)


def test_filtering_by_the_article_type_name_works_like_the_slug(
    client, browsable, category_with_several
):
    by_name = client.get("/", {"category": category_with_several.name}).content.decode()
    by_slug = client.get("/", {"category": category_with_several.slug}).content.decode()

    assert _titles(by_name) == _titles(by_slug)
    assert _result_count(by_name) == browsable.filter(category=category_with_several).count()


def test_an_unknown_category_shows_no_products(client):
    content = client.get("/", {"category": "no-such-thing"}).content.decode()

    assert _result_count(content) == 0
    assert "No products match" in content


def test_sorting_by_newest_puts_the_latest_year_first(client, browsable):
    content = client.get("/", {"sort": "newest"}).content.decode()

    expected = list(
        browsable.order_by("-year", "-created_at", "id").values_list("name", flat=True)[:PAGE_SIZE]
    )
    assert _titles(content) == expected


def test_sorting_by_price_puts_priced_products_first_and_cheapest_first(client, browsable):
    cheap, dear = browsable.order_by("-name")[:2]
    Product.objects.filter(pk=cheap.pk).update(price=Decimal("10.00"))
    Product.objects.filter(pk=dear.pk).update(price=Decimal("5000.00"))

    ascending = _titles(client.get("/", {"sort": "price_asc"}).content.decode())
    descending = _titles(client.get("/", {"sort": "price_desc"}).content.decode())

    assert ascending[:2] == [cheap.name, dear.name]
    assert descending[:2] == [dear.name, cheap.name]


def test_an_unknown_sort_falls_back_to_the_default(client):
    default = client.get("/").content.decode()
    odd = client.get("/", {"sort": "drop table"})

    assert odd.status_code == 200
    assert _titles(odd.content.decode()) == _titles(default)


def test_page_two_holds_the_next_products(client, browsable):
    content = client.get("/", {"page": 2}).content.decode()

    names = list(browsable.order_by(*ordering("relevance")).values_list("name", flat=True))
    assert _titles(content) == names[PAGE_SIZE : 2 * PAGE_SIZE]
    assert "Page 2 of 4" in content
    assert _link(content, "prev") == "/"
    assert _link(content, "next") == "/?page=3"


def test_a_page_past_the_end_shows_the_last_page(client, browsable):
    response = client.get("/", {"page": 999})

    assert response.status_code == 200
    content = response.content.decode()
    assert "Page 4 of 4" in content
    assert len(_titles(content)) == browsable.count() - 3 * PAGE_SIZE


def test_a_page_that_is_not_a_number_shows_the_first_page(client):
    response = client.get("/", {"page": "abc"})

    assert response.status_code == 200
    assert "Page 1 of 4" in response.content.decode()


def test_pagination_links_keep_the_filters(client, browsable):
    # Women is the largest gender in the subset: more than one page of it.
    assert browsable.filter(gender="Women").count() > PAGE_SIZE
    first = client.get("/", {"gender": "Women"}).content.decode()

    # Follow the Next link as a browser would: relative to the current page.
    second = client.get(urljoin("/?gender=Women", _link(first, "next"))).content.decode()

    women = list(
        browsable.filter(gender="Women")
        .order_by(*ordering("relevance"))
        .values_list("name", flat=True)
    )
    assert "Page 2 of 2" in second
    assert _titles(second) == women[PAGE_SIZE:]


def test_keyword_search_finds_a_brand(client, browsable):
    puma = set(browsable.filter(name__icontains="puma").values_list("name", flat=True))
    assert puma

    content = client.get("/", {"q": "Puma"}).content.decode()

    assert set(_titles(content)) == puma
    assert _result_count(content) == len(puma)
    assert "for “Puma”" in content


def test_keyword_search_facet_counts_add_up_to_the_results(client, browsable):
    content = client.get("/", {"q": "Nike"}).content.decode()

    total = _result_count(content)
    assert total == browsable.filter(name__icontains="nike").count() > 0
    assert sum(_facet_counts(content, "gender").values()) == total
    assert sum(_facet_counts(content, "category").values()) == total


def test_keyword_search_with_no_match_says_so(client):
    content = client.get("/", {"q": "zzqxv"}).content.decode()

    assert _result_count(content) == 0
    assert "No good matches" in content


def test_an_htmx_request_gets_only_the_results_partial(client, browsable):
    response = client.get("/", {"colour": "Black"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert "site-header" not in content  # the header stays; the results region is swapped
    assert 'id="facets"' in content
    assert _result_count(content) == browsable.filter(base_colour="Black").count()


def test_the_listing_refuses_post(client):
    assert client.post("/").status_code == 405


# Product page ----------------------------------------------------------------------------


def test_the_product_page_shows_the_product(client):
    product = Product.objects.select_related("category").get(external_id="1165")

    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Nike Mean Team India Cricket Jersey</h1>" in content
    assert "<dt>Article type</dt><dd>Tshirts</dd>" in content
    assert "<dt>Gender</dt><dd>Men</dd>" in content
    assert "<dt>Colour</dt><dd>Blue</dd>" in content
    assert "<dt>Season</dt><dd>Summer 2013</dd>" in content
    assert "<dt>Occasion</dt><dd>Sports</dd>" in content
    assert f'href="/?category={product.category.slug}"' in content
    assert product.image.url in content


def test_an_unknown_product_is_not_found(client):
    missing = (Product.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000

    assert client.get(f"/products/{missing}/").status_code == 404


def test_an_inactive_product_is_not_found(client):
    product = Product.objects.first()
    Product.objects.filter(pk=product.pk).update(is_active=False)

    assert client.get(product.get_absolute_url()).status_code == 404
    assert product.name not in _titles(client.get("/", {"q": product.name}).content.decode())


def test_a_product_without_a_price_shows_price_unavailable(client):
    product = Product.objects.filter(price__isnull=True).first()

    content = _detail(client.get(product.get_absolute_url()))

    assert "Price unavailable" in content
    assert "₹" not in content


def test_a_price_is_formatted_with_the_currency_and_thousands(client):
    product = Product.objects.first()
    Product.objects.filter(pk=product.pk).update(price=Decimal("1299.50"))
    product.variants.update(stock=3)

    content = _detail(client.get(product.get_absolute_url()))

    assert "₹1,299.50" in content
    assert "Price unavailable" not in content
    assert '<p class="size-stock" data-testid="low-stock">Only 3 left in One size</p>' in content


def test_a_whole_price_drops_the_decimals(client):
    product = Product.objects.first()
    Product.objects.filter(pk=product.pk).update(price=Decimal("999.00"))

    content = _detail(client.get(product.get_absolute_url()))

    assert "₹999" in content
    assert "₹999.00" not in content


def test_a_product_out_of_stock_says_so(client):
    product = Product.objects.first()
    Product.objects.filter(pk=product.pk).update(price=Decimal("250.00"))
    product.variants.update(stock=0)

    content = _detail(client.get(product.get_absolute_url()))

    assert "out of stock" in content
    assert '<dd data-testid="availability">Sold out</dd>' in content
    # It cannot be added: every size is disabled and so is the button, which says why.
    assert re.findall(
        r'<input type="radio" name="variant" value="\d+" required( disabled)?', content
    ) == [" disabled"]
    assert 'class="add-to-bag" disabled data-testid="add-button">Sold out</button>' in content


def test_the_product_page_shows_brand_discount_sizes_descriptions_and_details(client):
    product = Product.objects.get(external_id="1165")
    Product.objects.filter(pk=product.pk).update(
        brand=Brand.objects.create(name="Nike", slug="nike"),
        price=Decimal("1499.00"),
        list_price=Decimal("2999.00"),
        # Stored as written (e.g. by a raw SQL fix): the page sanitises it again.
        description='<p>Cool <a href="https://elsewhere.example">mesh</a></p><script>x()</script>',
        size_fit="<p>Regular fit</p>",
        attributes={"Fit": "Regular Fit", "Fabric": "<b>Polyester</b>"},
    )
    product.variants.all().delete()
    for i, (size, stock) in enumerate([("S", 0), ("M", None), ("L", 4)]):
        ProductVariant.objects.create(
            product=product, size=size, sku=f"1165-{size}", stock=stock, position=i
        )
    ProductVariant.objects.create(product=product, size="XXL", sku="1165-XXL", is_active=False)

    content = _detail(client.get(product.get_absolute_url()))

    assert '<p class="product-brand" data-testid="brand">Nike</p>' in content
    assert '<span class="price-now">₹1,499</span>' in content
    assert '<s class="price-was"' in content and "₹2,999</s>" in content
    assert '<span class="price-off">50% off</span>' in content
    # Sizes are tap-to-select radio buttons, a sold-out one disabled; no second list of them.
    sizes = re.findall(
        r'<input type="radio" name="variant" value="\d+" required( disabled)?[^>]*><span>([^<]+)',
        content,
    )
    assert sizes == [(" disabled", "S"), ("", "M"), ("", "L")]
    assert "Only 4 left in L" in content
    assert (
        '<button type="submit" class="add-to-bag" data-testid="add-button">Add to bag</button>'
        in content
    )
    assert "XXL" not in content
    assert "<p>Cool mesh</p>" in content
    assert "<script>x()" not in content and "elsewhere.example" not in content
    assert '<h2 class="section-title">Size and fit</h2><p>Regular fit</p>' in content
    assert '<th scope="row">Fit</th><td>Regular Fit</td>' in content
    assert "&lt;b&gt;Polyester&lt;/b&gt;" in content  # attributes are text, escaped


def test_cards_show_the_discounted_price_and_sold_out_products(client):
    product = Product.objects.get(external_id="1165")
    Product.objects.filter(pk=product.pk).update(
        price=Decimal("1499.00"), list_price=Decimal("2999.00")
    )
    product.variants.update(stock=0)

    content = client.get("/", {"q": "Cricket Jersey"}).content.decode()

    assert '<s class="price-was"' in content and "50% off" in content
    assert "· out of stock" in content


def test_names_from_the_catalog_are_escaped_everywhere(client):
    category = Category.objects.create(name="<b>Odd</b> Type", slug="odd-type")
    product = Product.objects.create(
        external_id="xss",
        name="<script>alert(1)</script>",
        category=category,
        base_colour='"><img src=x onerror=alert(2)>',
    )
    product_search_vectors_refresh(product_ids=[product.pk])

    pages = [
        client.get(product.get_absolute_url()).content.decode(),
        client.get("/", {"category": "odd-type"}).content.decode(),
        client.get("/", {"q": "alert"}).content.decode(),
        client.get("/", {"q": "<script>"}).content.decode(),
    ]

    for content in pages:
        assert "<script>alert(1)</script>" not in content
        assert "<img src=x" not in content
        assert "<b>Odd</b>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "&lt;b&gt;Odd&lt;/b&gt; Type" in pages[1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]
