from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db.models import Count

from conftest import catalog_load
from shop.catalog.models import Category, Product

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Shelf:
    """What the database holds, read before the browser starts.

    Under Playwright's sync API the ORM would get a fresh connection per context,
    one the test database teardown cannot close, so the test body never queries.
    """

    total: int
    counts: dict[str, int]  # slug -> browsable products
    names: dict[str, str]  # slug -> article type name
    titles: dict[str, set[str]]  # slug -> its products' names (cards show no article type)


@pytest.fixture
def shelf(live_server, catalog_subset: Path) -> Shelf:
    # Committed (transactional_db), so the server thread sees it; after an earlier
    # browser test's flush the database is empty and needs the subset again.
    catalog_load(catalog_subset, embed=False)
    rows = (
        Category.objects.filter(products__is_active=True)
        .annotate(n=Count("products"))
        .values_list("slug", "name", "n")
    )
    return Shelf(
        total=Product.objects.browsable().count(),
        counts={slug: n for slug, _name, n in rows},
        names={slug: name for slug, name, _n in rows},
        titles={
            slug: set(
                Product.objects.browsable()
                .filter(category__slug=slug)
                .values_list("name", flat=True)
            )
            for slug, _name, _n in rows
        },
    )


def _count(page) -> int:
    text = page.get_by_test_id("result-count").inner_text()
    return int(text.split()[0])


def test_a_shopper_filters_by_article_type_and_opens_a_product(live_server, shelf, page):
    assert shelf.total == 80
    slug = max(sorted(shelf.counts), key=lambda s: shelf.counts[s])
    name, expected = shelf.names[slug], shelf.counts[slug]
    assert expected >= 2

    page.goto(f"{live_server.url}/")
    assert _count(page) == shelf.total

    # htmx submits the facet form on change and swaps only the results in.
    page.locator(f'fieldset[data-facet="category"] input[value="{slug}"]').check()
    page.wait_for_function(
        "n => parseInt(document.querySelector('[data-testid=result-count]').innerText) === n",
        arg=expected,
    )
    assert _count(page) == expected
    titles = page.locator("[data-testid=product-grid] .card-title").all_inner_texts()
    assert len(titles) == expected
    assert set(titles) <= shelf.titles[slug]
    assert f"category={slug}" in page.url
    assert page.locator("nav.category-nav").count() == 1  # the page was not replaced

    first = page.locator(".card-title").first.inner_text()
    page.locator(".card-link").first.click()
    page.wait_for_url(re.compile(r"/products/\d+-[a-z0-9-]+/(\?.*)?$"))
    detail = page.get_by_test_id("product-detail")
    assert detail.locator("h1").inner_text() == first
    assert name in detail.locator("dl.attributes").inner_text()


def test_a_shopper_browses_a_category_from_the_navigation(live_server, shelf, page):
    page.goto(f"{live_server.url}/")
    link = page.locator("nav.category-nav details[open] a").first
    slug = link.get_attribute("href").rsplit("category=", 1)[1]
    name, expected = shelf.names[slug], shelf.counts[slug]
    assert link.inner_text().startswith(name)

    link.click()
    page.wait_for_url(re.compile(rf"category={slug}$"))

    assert _count(page) == expected > 0
    titles = page.locator("[data-testid=product-grid] .card-title").all_inner_texts()
    assert len(titles) == expected
    assert set(titles) <= shelf.titles[slug]
