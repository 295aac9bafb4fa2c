"""The storefront's department menu (Men / Women / Kids / ...), from the catalog's own data.

Each department is a set of the catalog's gender values; its links are the article types
that department sells, most stocked first, each a results-page URL built by
``ProductFilters`` (the one place that writes the URL state).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from shop.catalog.models import Product
from shop.search.filters import ProductFilters

# Department label -> the gender values it covers, in menu order. A department whose
# genders have no products is left out.
DEPARTMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Men", ("Men",)),
    ("Women", ("Women",)),
    ("Kids", ("Boys", "Girls")),
    ("Unisex", ("Unisex",)),
)
# Article types listed under a department; the rest are one tap away through its filters.
CATEGORIES_PER_DEPARTMENT = 12


@dataclass(frozen=True)
class DepartmentLink:
    label: str
    url: str
    count: int


@dataclass(frozen=True)
class Department:
    label: str
    url: str
    categories: list[DepartmentLink]


def department_navigation() -> list[Department]:
    """Departments with products, each with its most stocked article types."""
    rows = (
        Product.objects.browsable()
        .values("gender", "category__slug", "category__name")
        .annotate(n=Count("id"))
    )
    by_gender: dict[str, list[dict]] = {}
    for row in rows:
        by_gender.setdefault(row["gender"], []).append(row)
    departments = []
    for label, genders in DEPARTMENTS:
        counts: dict[tuple[str, str], int] = {}
        for gender in genders:
            for row in by_gender.get(gender, []):
                key = (row["category__slug"], row["category__name"])
                counts[key] = counts.get(key, 0) + row["n"]
        if not counts:
            continue
        department = ProductFilters(gender=genders)
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0][1]))
        departments.append(
            Department(
                label=label,
                url=department.url(),
                categories=[
                    DepartmentLink(label=name, url=department.url(category=(slug,)), count=n)
                    for (slug, name), n in top[:CATEGORIES_PER_DEPARTMENT]
                ],
            )
        )
    return departments
