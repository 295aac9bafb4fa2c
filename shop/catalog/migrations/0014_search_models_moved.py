"""The search models moved to the search app (``search.0001_initial``): the catalog
forgets them, state only; their tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0013_searchquerylog_plural"),
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="merchandisingrule",
                    name="category",
                ),
                migrations.RemoveField(
                    model_name="merchandisingrule",
                    name="product",
                ),
                migrations.RemoveField(
                    model_name="productpopularity",
                    name="product",
                ),
                migrations.RemoveField(
                    model_name="productqueryembedding",
                    name="product",
                ),
                migrations.DeleteModel(
                    name="SearchCalibration",
                ),
                migrations.DeleteModel(
                    name="SearchDailyStat",
                ),
                migrations.RemoveField(
                    model_name="searchevent",
                    name="product",
                ),
                migrations.RemoveField(
                    model_name="searchevent",
                    name="search",
                ),
                migrations.DeleteModel(
                    name="SearchPhoto",
                ),
                migrations.RemoveField(
                    model_name="searchquerylog",
                    name="clicked_product",
                ),
                migrations.DeleteModel(
                    name="Synonym",
                ),
                migrations.DeleteModel(
                    name="MerchandisingRule",
                ),
                migrations.DeleteModel(
                    name="ProductPopularity",
                ),
                migrations.DeleteModel(
                    name="ProductQueryEmbedding",
                ),
                migrations.DeleteModel(
                    name="SearchEvent",
                ),
                migrations.DeleteModel(
                    name="SearchQueryLog",
                ),
            ],
            database_operations=[],
        ),
    ]
