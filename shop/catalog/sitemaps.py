"""sitemap.xml: the home page, every article type's page and every product page."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet

from shop.catalog.models import Category, Product
from shop.paths import cached_reverse


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["search:product_list"]

    def location(self, item: str) -> str:
        return cached_reverse(item)


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.7

    def items(self) -> QuerySet[Category]:
        return (
            Category.objects.filter(products__is_active=True)
            .annotate(updated=Max("products__updated_at"))
            .order_by("slug")
        )

    def lastmod(self, item: Category):  # noqa: ANN201 - a datetime
        return item.updated


class ProductSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5
    # One file holds up to 50,000 URLs; Django pages bigger catalogs (?p=2) under an index.
    limit = 10_000

    def items(self) -> QuerySet[Product]:
        return Product.objects.browsable().only("id", "name", "updated_at").order_by("id")

    def lastmod(self, item: Product):  # noqa: ANN201 - a datetime
        return item.updated_at


SITEMAPS = {"home": HomeSitemap, "categories": CategorySitemap, "products": ProductSitemap}
