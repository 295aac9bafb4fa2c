"""Descriptions stored before the no-break-space repair (``Â`` + ``&nbsp;``) are cleaned
again, so the admin shows what the pages show. Re-runnable: clean text stays as it is."""

from django.db import migrations

FIELDS = ("description", "materials_care", "size_fit", "style_note")


def repair(apps, schema_editor):
    from shop.catalog.descriptions import description_clean

    Product = apps.get_model("catalog", "Product")
    candidates = Product.objects.only("id", "imported_values", *FIELDS)
    for product in candidates.iterator(chunk_size=500):
        changed = []
        for name in FIELDS:
            old = getattr(product, name)
            if not old or ("Â" not in old and "Ã" not in old):
                continue
            new = description_clean(old)
            if new != old:
                setattr(product, name, new)
                if product.imported_values.get(name) == old:
                    product.imported_values[name] = new
                changed.append(name)
        if changed:
            product.save(update_fields=[*changed, "imported_values"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0009_merchandising_rule")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
