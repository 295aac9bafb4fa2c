import hashlib

from django.db import migrations, models

ONE_SIZE = "One size"
SKU_MAX_LENGTH = 120


def _sku(external_id: str, size: str) -> str:
    # A frozen copy of models.variant_sku: migrations must not follow later edits.
    size_part = size.replace(" ", "")
    sku = f"{external_id}-{size_part}"
    if len(sku) > SKU_MAX_LENGTH:
        digest = hashlib.sha256(external_id.encode()).hexdigest()[:10]
        sku = f"{external_id[: SKU_MAX_LENGTH - len(size_part) - 12]}-{digest}-{size_part}"
    return sku


def stock_to_variants(apps, schema_editor):
    """Every product without sizes gets one "One size" variant holding its stock."""
    Product = apps.get_model("catalog", "Product")
    ProductVariant = apps.get_model("catalog", "ProductVariant")
    products = Product.objects.filter(variants__isnull=True).values_list(
        "id", "external_id", "stock"
    )
    ProductVariant.objects.bulk_create(
        ProductVariant(product_id=pk, size=ONE_SIZE, sku=_sku(external_id, ONE_SIZE), stock=stock)
        for pk, external_id, stock in products.iterator()
    )


def variants_to_stock(apps, schema_editor):
    """Back: a product's stock is the sum of its tracked variants (None if none is)."""
    Product = apps.get_model("catalog", "Product")
    ProductVariant = apps.get_model("catalog", "ProductVariant")
    totals = {}
    for product_id, stock in ProductVariant.objects.exclude(stock=None).values_list(
        "product_id", "stock"
    ):
        totals[product_id] = totals.get(product_id, 0) + stock
    for product_id, stock in totals.items():
        Product.objects.filter(pk=product_id).update(stock=stock)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_vector_search_category_indexes"),
    ]

    operations = [
        migrations.RunPython(stock_to_variants, variants_to_stock),
        migrations.RemoveField(
            model_name="product",
            name="stock",
        ),
        migrations.AddField(
            model_name="product",
            name="imported_values",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="product",
            name="style_sha256",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Hash of the source style record (JSON), to skip unchanged records.",
                max_length=64,
            ),
        ),
    ]
