"""``Product.in_stock``: whether one of its sizes can be bought, kept by the database.

Search orders and filters on it (``shop.catalog.stock``); reading it is one column
where the sizes were an EXISTS per product. The database keeps it, so no writer of
sizes (checkout, cancel, the admin, the importer, a bulk update, a test) can leave it
wrong:

- after any statement that inserts, updates or deletes sizes, the products whose sizes
  changed buyable state (or moved) are locked in id order and set from their sizes read
  afresh; the lock makes a concurrent change to another size of the same product wait,
  and then see this one (READ COMMITTED), so two shoppers taking the last units of two
  sizes leave it false;
- a product row written with ``in_stock`` (a ``save()`` from a stale instance) gets the
  value recomputed, never the one written.
"""

from django.db import migrations, models

BUYABLE = "is_active AND (stock IS NULL OR stock > 0)"
HAS_BUYABLE = (
    "EXISTS (SELECT 1 FROM catalog_productvariant s WHERE s.product_id = {product}"
    " AND s.is_active AND (s.stock IS NULL OR s.stock > 0))"
)

# The column arrives true (no table rewrite); only the products that cannot be bought
# are written.
FORWARD = f"""
UPDATE catalog_product p SET in_stock = false WHERE NOT {HAS_BUYABLE.format(product="p.id")};

CREATE FUNCTION catalog_product_in_stock_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.in_stock := {HAS_BUYABLE.format(product="NEW.id")};
    RETURN NEW;
END $$;

CREATE TRIGGER product_in_stock_written BEFORE INSERT OR UPDATE OF in_stock
ON catalog_product FOR EACH ROW EXECUTE FUNCTION catalog_product_in_stock_written();

CREATE FUNCTION catalog_product_in_stock_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT product_id) INTO changed FROM new_sizes WHERE {BUYABLE};
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT product_id) INTO changed FROM old_sizes WHERE {BUYABLE};
    ELSE
        SELECT array_agg(DISTINCT moved.product_id) INTO changed
        FROM old_sizes o JOIN new_sizes n ON n.id = o.id,
            LATERAL (VALUES (o.product_id), (n.product_id)) AS moved (product_id)
        WHERE o.product_id <> n.product_id
            OR (o.is_active AND (o.stock IS NULL OR o.stock > 0))
                <> (n.is_active AND (n.stock IS NULL OR n.stock > 0));
    END IF;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM catalog_product WHERE id = ANY (changed) ORDER BY id FOR NO KEY UPDATE;
    UPDATE catalog_product p SET in_stock = {HAS_BUYABLE.format(product="p.id")}
    WHERE p.id = ANY (changed)
        AND p.in_stock IS DISTINCT FROM {HAS_BUYABLE.format(product="p.id")};
    RETURN NULL;
END $$;

CREATE TRIGGER product_in_stock_sizes_inserted AFTER INSERT ON catalog_productvariant
REFERENCING NEW TABLE AS new_sizes
FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_in_stock_follow();

CREATE TRIGGER product_in_stock_sizes_updated AFTER UPDATE ON catalog_productvariant
REFERENCING OLD TABLE AS old_sizes NEW TABLE AS new_sizes
FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_in_stock_follow();

CREATE TRIGGER product_in_stock_sizes_deleted AFTER DELETE ON catalog_productvariant
REFERENCING OLD TABLE AS old_sizes
FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_in_stock_follow();

CREATE FUNCTION catalog_product_in_stock_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_product SET in_stock = false WHERE in_stock;
    RETURN NULL;
END $$;

CREATE TRIGGER product_in_stock_sizes_truncated AFTER TRUNCATE ON catalog_productvariant
FOR EACH STATEMENT EXECUTE FUNCTION catalog_product_in_stock_truncated();
"""

BACKWARD = """
DROP TRIGGER product_in_stock_sizes_truncated ON catalog_productvariant;
DROP TRIGGER product_in_stock_sizes_deleted ON catalog_productvariant;
DROP TRIGGER product_in_stock_sizes_updated ON catalog_productvariant;
DROP TRIGGER product_in_stock_sizes_inserted ON catalog_productvariant;
DROP TRIGGER product_in_stock_written ON catalog_product;
DROP FUNCTION catalog_product_in_stock_truncated();
DROP FUNCTION catalog_product_in_stock_follow();
DROP FUNCTION catalog_product_in_stock_written();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0014_search_models_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="in_stock",
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.AlterField(
            model_name="product",
            name="in_stock",
            field=models.BooleanField(default=False, editable=False),
        ),
    ]
