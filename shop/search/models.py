"""What search keeps: shopper words, photo embeddings, relevance floors, shopper
photos, the search log and its daily figures, merchandising rules and the popularity
signal.

These models lived in the catalog app until search became an app of its own; their
tables kept their names (``db_table``), so moving them changed no data.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from pgvector.django import HnswIndex, VectorField

from shop.catalog.models import EMBEDDING_DIM, Category, Product


class Synonym(models.Model):
    """Shopper words, managed by the merchant, shared by search and the assistant.

    One-way: ``term`` ("sneakers") means each of ``targets`` ("Sports Shoes",
    "Casual Shoes"). Two-way: ``term`` and its targets are interchangeable words.
    """

    term = models.CharField(max_length=100, unique=True, help_text="Lower case.")
    targets = ArrayField(models.CharField(max_length=100))
    two_way = models.BooleanField(default=False)

    class Meta:
        db_table = "catalog_synonym"
        ordering = ["term"]

    def __str__(self) -> str:
        arrow = "<->" if self.two_way else "->"
        return f"{self.term} {arrow} {', '.join(self.targets)}"


class ProductQueryEmbedding(models.Model):
    """One of BLIP-2's 32 query embeddings of a product photo.

    BLIP-2 scores image-text similarity (ITC) as the maximum over the 32 query
    embeddings; keeping all of them makes text ranking equal to the paper's score.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="query_embeddings")
    query_index = models.PositiveSmallIntegerField()
    embedding = VectorField(dimensions=EMBEDDING_DIM)

    class Meta:
        db_table = "catalog_productqueryembedding"
        constraints = [
            models.UniqueConstraint(fields=["product", "query_index"], name="unique_product_query")
        ]
        indexes = [
            HnswIndex(
                name="query_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}#{self.query_index}"


# --- search: shopper photos, relevance floors, analytics, storefront -----------------


class SearchPhoto(models.Model):
    """A shopper's search photo, kept for a while under an opaque token.

    Only what search needs is kept: the photo's pooled embedding and a small JPEG
    made from the decoded pixels (to show it back), never the uploaded bytes.
    """

    token = models.CharField(max_length=64, unique=True)
    model_id = models.CharField(max_length=200)
    embedding = VectorField(dimensions=EMBEDDING_DIM)
    preview = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "catalog_searchphoto"

    def __str__(self) -> str:
        return f"photo {self.token[:6]}…"


class SearchCalibration(models.Model):
    """Per-model score floors: a vector match below them is not shown.

    ``text_floor``: the best score any calibration nonsense text reaches against the
    catalog; ``image_floor``: a high percentile of photo-to-photo cosines between
    random catalog pairs.
    """

    model_id = models.CharField(max_length=200, unique=True)
    text_floor = models.FloatField()
    image_floor = models.FloatField()
    texts = models.PositiveIntegerField(help_text="Nonsense texts scored.")
    pairs = models.PositiveIntegerField(help_text="Random photo pairs scored.")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_searchcalibration"

    def __str__(self) -> str:
        return f"{self.model_id}: text ≥ {self.text_floor:.3f}, photo ≥ {self.image_floor:.3f}"


class SearchQueryLog(models.Model):
    """One storefront search, results or category page, for the merchant.

    No IP address, session or user: ``shopper`` is a keyed hash of a random id kept in
    the shopper's session (``search.attribution.shopper_hash``), enough to count
    distinct shoppers and nothing more. Rows older than SHOP_SEARCH_LOG_KEEP_DAYS are
    rolled up into ``SearchDailyStat`` and deleted.
    """

    SEARCH = "search"
    CATEGORY = "category"
    BROWSE = "browse"
    API = "api"
    SOURCES = [
        (SEARCH, "Results page"),
        (CATEGORY, "Category page"),
        (BROWSE, "Filtered page"),
        (API, "API search"),
    ]

    query = models.CharField(max_length=200, blank=True, db_index=True)
    filters = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=SOURCES, default=SEARCH)
    # The article types chosen (slugs, comma separated): category pages are grouped by it.
    category = models.CharField(max_length=200, blank=True)
    with_photo = models.BooleanField(default=False)
    result_count = models.PositiveIntegerField()
    shopper = models.CharField(max_length=32, blank=True)
    clicked_product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    clicked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "catalog_searchquerylog"
        ordering = ["-created_at"]
        verbose_name = "search"
        verbose_name_plural = "searches"

    def __str__(self) -> str:
        return self.query or "(photo or filters only)"


class SearchEvent(models.Model):
    """What a search led to: a click on a result, an add-to-cart, an ordered line.

    Carts and orders are referred to by id (the catalog does not depend on them).
    """

    CLICK = "click"
    CART = "cart"
    ORDER = "order"
    KINDS = [(CLICK, "Click"), (CART, "Add to cart"), (ORDER, "Order")]

    search = models.ForeignKey(SearchQueryLog, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=5, choices=KINDS)
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(null=True, blank=True, help_text="1-based.")
    quantity = models.PositiveIntegerField(default=1)
    revenue = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    cart_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    order_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "catalog_searchevent"
        constraints = [
            # A result clicked twice from one search is one click.
            models.UniqueConstraint(
                fields=["search", "product"],
                condition=models.Q(kind="click"),
                name="search_event_one_click_per_product",
            ),
            models.UniqueConstraint(
                fields=["order_id", "product"],
                condition=models.Q(kind="order"),
                name="search_event_one_order_line_per_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from search {self.search_id}"


class SearchDailyStat(models.Model):
    """A day's searches of one query (or category page), rolled up from the raw rows.

    Days are the shop's (TIME_ZONE); a search's clicks, adds and orders count on the
    day of the search.
    """

    day = models.DateField()
    source = models.CharField(max_length=10, choices=SearchQueryLog.SOURCES)
    query = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=200, blank=True)
    searches = models.PositiveIntegerField(default=0)
    zero_results = models.PositiveIntegerField(default=0)
    clicked_searches = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    click_position_sum = models.PositiveBigIntegerField(default=0)
    carted_searches = models.PositiveIntegerField(default=0)
    ordered_searches = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        db_table = "catalog_searchdailystat"
        ordering = ["-day", "source", "query", "category"]
        verbose_name = "daily search figure"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "source", "query", "category"], name="search_daily_stat_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.query or self.category or self.source}"


# --- merchandising -------------------------------------------------------------------


class MerchandisingRule(models.Model):
    """A merchant's say over what search shows: see ``shop.search.merchandising``.

    It fires on a search's words (matched as search reads them: synonyms, plurals and
    typos count), on an article type's pages, or on both, while enabled and inside
    its window; it pins or hides a product, or boosts or buries the products that
    match its filters by a weight.
    """

    PIN, HIDE, BOOST, BURY = "pin", "hide", "boost", "bury"
    ACTIONS = [
        (PIN, "Pin a product at a position"),
        (HIDE, "Hide a product"),
        (BOOST, "Boost products matching filters"),
        (BURY, "Bury products matching filters"),
    ]
    IS, CONTAINS = "is", "contains"
    MATCHES = [(IS, "The search is these words"), (CONTAINS, "The search contains these words")]

    query = models.CharField(
        max_length=200, blank=True, help_text="The shopper's words; empty: any search."
    )
    match = models.CharField(max_length=10, choices=MATCHES, default=IS)
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="article type",
        help_text="Fires on this article type's pages and searches.",
    )
    action = models.CharField(max_length=10, choices=ACTIONS)
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The product to pin or hide.",
    )
    position = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Where a pinned product shows: 1 is first."
    )
    filters = models.JSONField(
        default=dict,
        blank=True,
        help_text='Storefront filters, e.g. {"brand": ["Puma"], "price_max": 999}.',
    )
    weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Boost or bury by: 1 moves a product past the whole list.",
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why, for other merchants.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_merchandisingrule"
        ordering = ["id"]
        indexes = [models.Index(fields=["enabled", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(query="") | models.Q(category__isnull=False),
                name="merchandising_rule_has_trigger",
            ),
            models.CheckConstraint(
                condition=~models.Q(action__in=["pin", "hide"]) | models.Q(product__isnull=False),
                name="merchandising_rule_pin_hide_product",
            ),
            models.CheckConstraint(
                condition=~models.Q(action="pin") | models.Q(position__gte=1),
                name="merchandising_rule_pin_position",
            ),
            models.CheckConstraint(
                condition=~models.Q(action__in=["boost", "bury"])
                | (models.Q(weight__gt=0) & ~models.Q(filters={})),
                name="merchandising_rule_boost_bury_weight",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="merchandising_rule_window",
            ),
        ]

    def __str__(self) -> str:
        trigger = " + ".join(
            part
            for part in (f"“{self.query}”" if self.query else "", str(self.category or ""))
            if part
        )
        return f"{self.get_action_display()} · {trigger}"


class ProductPopularity(models.Model):
    """How well a product sells lately: a ranking signal, refreshed by a periodic task
    (``shop.orders.popularity``), never per request. A product without a row has sold
    nothing in the window."""

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, primary_key=True, related_name="popularity"
    )
    units_sold = models.PositiveIntegerField(default=0)
    # units_sold over the best seller's units in the window: 0 to 1, exact to 4 places.
    score = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        db_table = "catalog_productpopularity"
        verbose_name_plural = "product popularity"
        # Searches ask for the latest refresh on every page (``merchandising.signals``).
        indexes = [models.Index(fields=["refreshed_at"], name="popularity_refreshed_idx")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.units_sold} sold ({self.score})"
