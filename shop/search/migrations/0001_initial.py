"""Search's models, moved here from the catalog app: state only.

Their tables stay where they are (``db_table`` keeps the ``catalog_`` names), so no row
moves and nothing is rebuilt; the content types move too, so admin permissions granted
on these models (a merchant's "can change merchandising rule") and their admin history
are kept. The catalog forgets them in ``catalog.0014_search_models_moved``.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
import pgvector.django.indexes
import pgvector.django.vector
from django.db import migrations, models

MOVED = [
    "synonym",
    "productqueryembedding",
    "searchphoto",
    "searchcalibration",
    "searchquerylog",
    "searchevent",
    "searchdailystat",
    "merchandisingrule",
    "productpopularity",
]


def _content_types_relabel(apps, schema_editor, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    # A fresh database has none yet (post_migrate makes them): nothing to move then.
    ContentType.objects.using(db).filter(app_label=old, model__in=MOVED).update(app_label=new)


def content_types_move(apps, schema_editor):
    _content_types_relabel(apps, schema_editor, "catalog", "search")


def content_types_move_back(apps, schema_editor):
    _content_types_relabel(apps, schema_editor, "search", "catalog")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0013_searchquerylog_plural"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProductPopularity",
                    fields=[
                        (
                            "product",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="popularity",
                                serialize=False,
                                to="catalog.product",
                            ),
                        ),
                        ("units_sold", models.PositiveIntegerField(default=0)),
                        ("score", models.DecimalField(decimal_places=4, default=0, max_digits=5)),
                        ("refreshed_at", models.DateTimeField()),
                    ],
                    options={
                        "verbose_name_plural": "product popularity",
                        "db_table": "catalog_productpopularity",
                    },
                ),
                migrations.CreateModel(
                    name="SearchCalibration",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("model_id", models.CharField(max_length=200, unique=True)),
                        ("text_floor", models.FloatField()),
                        ("image_floor", models.FloatField()),
                        ("texts", models.PositiveIntegerField(help_text="Nonsense texts scored.")),
                        (
                            "pairs",
                            models.PositiveIntegerField(help_text="Random photo pairs scored."),
                        ),
                        ("computed_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "catalog_searchcalibration",
                    },
                ),
                migrations.CreateModel(
                    name="SearchPhoto",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("token", models.CharField(max_length=64, unique=True)),
                        ("model_id", models.CharField(max_length=200)),
                        ("embedding", pgvector.django.vector.VectorField(dimensions=256)),
                        ("preview", models.BinaryField()),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={
                        "db_table": "catalog_searchphoto",
                    },
                ),
                migrations.CreateModel(
                    name="Synonym",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "term",
                            models.CharField(help_text="Lower case.", max_length=100, unique=True),
                        ),
                        (
                            "targets",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(max_length=100), size=None
                            ),
                        ),
                        ("two_way", models.BooleanField(default=False)),
                    ],
                    options={
                        "db_table": "catalog_synonym",
                        "ordering": ["term"],
                    },
                ),
                migrations.CreateModel(
                    name="SearchDailyStat",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("day", models.DateField()),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("search", "Results page"),
                                    ("category", "Category page"),
                                    ("browse", "Filtered page"),
                                    ("api", "API search"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("query", models.CharField(blank=True, max_length=200)),
                        ("category", models.CharField(blank=True, max_length=200)),
                        ("searches", models.PositiveIntegerField(default=0)),
                        ("zero_results", models.PositiveIntegerField(default=0)),
                        ("clicked_searches", models.PositiveIntegerField(default=0)),
                        ("clicks", models.PositiveIntegerField(default=0)),
                        ("click_position_sum", models.PositiveBigIntegerField(default=0)),
                        ("carted_searches", models.PositiveIntegerField(default=0)),
                        ("ordered_searches", models.PositiveIntegerField(default=0)),
                        (
                            "revenue",
                            models.DecimalField(decimal_places=2, default=0, max_digits=14),
                        ),
                    ],
                    options={
                        "verbose_name": "daily search figure",
                        "db_table": "catalog_searchdailystat",
                        "ordering": ["-day", "source", "query", "category"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("day", "source", "query", "category"),
                                name="search_daily_stat_key",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SearchQueryLog",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("query", models.CharField(blank=True, db_index=True, max_length=200)),
                        ("filters", models.JSONField(blank=True, default=dict)),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("search", "Results page"),
                                    ("category", "Category page"),
                                    ("browse", "Filtered page"),
                                    ("api", "API search"),
                                ],
                                default="search",
                                max_length=10,
                            ),
                        ),
                        ("category", models.CharField(blank=True, max_length=200)),
                        ("with_photo", models.BooleanField(default=False)),
                        ("result_count", models.PositiveIntegerField()),
                        ("shopper", models.CharField(blank=True, max_length=32)),
                        ("clicked_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "clicked_product",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="catalog.product",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "search",
                        "verbose_name_plural": "searches",
                        "db_table": "catalog_searchquerylog",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="MerchandisingRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "query",
                            models.CharField(
                                blank=True,
                                help_text="The shopper's words; empty: any search.",
                                max_length=200,
                            ),
                        ),
                        (
                            "match",
                            models.CharField(
                                choices=[
                                    ("is", "The search is these words"),
                                    ("contains", "The search contains these words"),
                                ],
                                default="is",
                                max_length=10,
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("pin", "Pin a product at a position"),
                                    ("hide", "Hide a product"),
                                    ("boost", "Boost products matching filters"),
                                    ("bury", "Bury products matching filters"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "position",
                            models.PositiveSmallIntegerField(
                                blank=True,
                                help_text="Where a pinned product shows: 1 is first.",
                                null=True,
                            ),
                        ),
                        (
                            "filters",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text='Storefront filters, e.g. {"brand": ["Puma"], "price_max": 999}.',
                            ),
                        ),
                        (
                            "weight",
                            models.DecimalField(
                                blank=True,
                                decimal_places=2,
                                help_text="Boost or bury by: 1 moves a product past the whole list.",
                                max_digits=5,
                                null=True,
                            ),
                        ),
                        ("starts_at", models.DateTimeField(blank=True, null=True)),
                        ("ends_at", models.DateTimeField(blank=True, null=True)),
                        ("enabled", models.BooleanField(default=True)),
                        (
                            "note",
                            models.CharField(
                                blank=True, help_text="Why, for other merchants.", max_length=200
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "category",
                            models.ForeignKey(
                                blank=True,
                                help_text="Fires on this article type's pages and searches.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="catalog.category",
                                verbose_name="article type",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                blank=True,
                                help_text="The product to pin or hide.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="catalog.product",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_merchandisingrule",
                        "ordering": ["id"],
                        "indexes": [
                            models.Index(
                                fields=["enabled", "starts_at", "ends_at"],
                                name="catalog_mer_enabled_eb6e83_idx",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("query", ""), _negated=True),
                                    ("category__isnull", False),
                                    _connector="OR",
                                ),
                                name="merchandising_rule_has_trigger",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("action__in", ["pin", "hide"]), _negated=True),
                                    ("product__isnull", False),
                                    _connector="OR",
                                ),
                                name="merchandising_rule_pin_hide_product",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("action", "pin"), _negated=True),
                                    ("position__gte", 1),
                                    _connector="OR",
                                ),
                                name="merchandising_rule_pin_position",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("action__in", ["boost", "bury"]), _negated=True),
                                    models.Q(
                                        ("weight__gt", 0), models.Q(("filters", {}), _negated=True)
                                    ),
                                    _connector="OR",
                                ),
                                name="merchandising_rule_boost_bury_weight",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("starts_at__isnull", True),
                                    ("ends_at__isnull", True),
                                    ("ends_at__gt", models.F("starts_at")),
                                    _connector="OR",
                                ),
                                name="merchandising_rule_window",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ProductQueryEmbedding",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("query_index", models.PositiveSmallIntegerField()),
                        ("embedding", pgvector.django.vector.VectorField(dimensions=256)),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="query_embeddings",
                                to="catalog.product",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_productqueryembedding",
                        "indexes": [
                            pgvector.django.indexes.HnswIndex(
                                ef_construction=64,
                                fields=["embedding"],
                                m=16,
                                name="query_embedding_hnsw",
                                opclasses=["vector_cosine_ops"],
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("product", "query_index"), name="unique_product_query"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SearchEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("click", "Click"),
                                    ("cart", "Add to cart"),
                                    ("order", "Order"),
                                ],
                                max_length=5,
                            ),
                        ),
                        (
                            "position",
                            models.PositiveIntegerField(
                                blank=True, help_text="1-based.", null=True
                            ),
                        ),
                        ("quantity", models.PositiveIntegerField(default=1)),
                        (
                            "revenue",
                            models.DecimalField(decimal_places=2, default=0, max_digits=12),
                        ),
                        ("cart_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                        ("order_id", models.BigIntegerField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "product",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="catalog.product",
                            ),
                        ),
                        (
                            "search",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="events",
                                to="search.searchquerylog",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "catalog_searchevent",
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "click")),
                                fields=("search", "product"),
                                name="search_event_one_click_per_product",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "order")),
                                fields=("order_id", "product"),
                                name="search_event_one_order_line_per_product",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_move, content_types_move_back),
    ]
