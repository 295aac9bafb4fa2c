"""Products with sizes for commerce tests, made directly (not through the importer)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from shop.catalog.models import Brand, Category, Product, ProductVariant

_serial = itertools.count(1)


def product_make(
    *,
    name: str = "Test Linen Kurta",
    price: str | None = "1299.00",
    list_price: str | None = None,
    sizes: tuple[str, ...] = ("S", "M", "L"),
    stock: int | None = None,
    brand: str = "Test Brand",
) -> Product:
    """A browsable product with one variant per size, all with the same ``stock``."""
    n = next(_serial)
    category, _ = Category.objects.get_or_create(
        name="Test Kurtas", defaults={"slug": "test-kurtas"}
    )
    brand_obj, _ = Brand.objects.get_or_create(name=brand, defaults={"slug": f"brand-{n}"})
    product = Product.objects.create(
        external_id=f"commerce-test-{n}",
        name=name,
        category=category,
        brand=brand_obj,
        price=None if price is None else Decimal(price),
        list_price=None if list_price is None else Decimal(list_price),
    )
    for position, size in enumerate(sizes):
        ProductVariant.objects.create(
            product=product,
            size=size,
            sku=f"{product.external_id}-{size}",
            stock=stock,
            position=position,
        )
    return product


def variant_of(product: Product, size: str) -> ProductVariant:
    return product.variants.get(size=size)
