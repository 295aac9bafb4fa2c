from __future__ import annotations

import hashlib

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import ExpressionWrapper, F, OrderBy, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils.text import slugify
from pgvector.django import HnswIndex, VectorField

from shop.paths import cached_reverse

# BLIP-2's image-text space (image_text_hidden_size of blip2-itm-vit-g).
EMBEDDING_DIM = 256


class Category(models.Model):
    """An article type ("Sports Shoes") grouped under the catalog's master/sub categories."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    master_category = models.CharField(max_length=100, blank=True)
    sub_category = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["master_category", "sub_category", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return cached_reverse("search:product_list") + f"?category={self.slug}"


class Brand(models.Model):
    """A brand the shop sells ("Puma"): a managed value, a facet and a search field."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


ONE_SIZE = "One size"
SKU_MAX_LENGTH = 120


def variant_sku(external_id: str, size: str) -> str:
    """``<external_id>-<size>`` without spaces ("1525-M", "1525-Onesize").

    Ids too long for the column keep a prefix and a hash, so SKUs stay unique.
    """
    size_part = size.replace(" ", "")
    sku = f"{external_id}-{size_part}"
    if len(sku) > SKU_MAX_LENGTH:
        digest = hashlib.sha256(external_id.encode()).hexdigest()[:10]
        sku = f"{external_id[: SKU_MAX_LENGTH - len(size_part) - 12]}-{digest}-{size_part}"
    return sku


# What a product card and a search result's reasons read of a product (``for_cards``).
CARD_FIELDS = (
    "name",
    "category__name",
    "category__slug",
    "brand__name",
    "thumbnail",
    "price",
    "list_price",
    "base_colour",
    "usage",
    "gender",
    "season",
    "is_active",
)


def in_stock_q(prefix: str = "") -> Q:
    """Sizes that can be bought now: active, stock untracked or above zero.

    ``prefix`` reaches them from another model ("variants__" from a product).
    """
    return Q(**{f"{prefix}is_active": True}) & (
        Q(**{f"{prefix}stock__isnull": True}) | Q(**{f"{prefix}stock__gt": 0})
    )


def in_stock_sizes(**lookups: object) -> models.QuerySet:
    """The sizes of the outer product that can be bought now (``lookups`` narrow them)."""
    return ProductVariant.objects.filter(in_stock_q(), product=OuterRef("pk"), **lookups)


# A card's sizes that can be bought now, in their order: ``in_stock_sizes()`` (with
# ``in_stock_q``) written out as SQL over the card query's own product row, because
# Django compiled that subquery again for every page (~0.7 ms of a page's CPU). The
# tests hold the two to the same answers.
# A size (``catalog_productvariant v``) that can be bought now: ``in_stock_q`` in SQL.
IN_STOCK_SIZE_SQL = "v.is_active AND (v.stock IS NULL OR v.stock > 0)"
IN_STOCK_SIZES_SQL = (
    "ARRAY(SELECT v.size FROM catalog_productvariant v"
    f" WHERE v.product_id = catalog_product.id AND {IN_STOCK_SIZE_SQL}"
    " ORDER BY v.position, v.id)"
)


def _in_stock_sizes_array() -> RawSQL:
    return RawSQL(IN_STOCK_SIZES_SQL, (), output_field=ArrayField(models.CharField()))


def best_match_order() -> tuple[OrderBy, ...]:
    """Browsing's "Best match" (no words, no photo): what can be bought (priced) first,
    newest first, rather than A to Z (which opened every list with "ADIDAS"). Its two
    indexes (``Product.Meta``) are written from it, so a page's order is read from one."""
    unpriced = ExpressionWrapper(Q(price__isnull=True), output_field=models.BooleanField())
    return (
        unpriced.asc(),
        F("year").desc(nulls_last=True),
        F("created_at").desc(),
        F("id").desc(),
    )


# What a merchandising rule's boost or bury tests besides the article type and the price
# (``search.merchandising.RULE_FILTERS``, by storefront name), carried by the indexes a
# page's ranking is read from, so that its matches are read from them too.
RULE_TESTED_FIELDS = ("brand", "gender", "base_colour", "season", "usage")


class ProductQuerySet(models.QuerySet["Product"]):
    def browsable(self) -> ProductQuerySet:
        """Products a shopper may see (``best_match_order``'s indexes hold these)."""
        return self.filter(is_active=True)

    def for_display(self) -> ProductQuerySet:
        """With what a card or page shows (category, brand, sizes) in two queries."""
        return self.select_related("category", "brand").prefetch_related("variants")

    def for_cards(self) -> ProductQuerySet:
        """What a card and a search result's reasons read, in one query: no wide
        columns (descriptions, JSON, vectors), and the sizes in stock as an array
        (``IN_STOCK_SIZES_SQL``) instead of a model per size: ~3 ms less a page of 24.
        Rows to read, never a subquery: that SQL names the outer ``catalog_product``,
        which Django renames inside one."""
        return (
            self.select_related("category", "brand")
            .only(*CARD_FIELDS)
            .annotate(in_stock_sizes=_in_stock_sizes_array())
        )

    def embedded_with(self, model_id: str) -> ProductQuerySet:
        return self.filter(embedding_model=model_id, embedding__isnull=False)

    def needing_embedding(self, model_id: str) -> ProductQuerySet:
        """Products with no embedding, or one made by another model (never mixed)."""
        return self.exclude(embedding_model=model_id, embedding__isnull=False)


class Product(models.Model):
    external_id = models.CharField(
        max_length=200, unique=True, help_text="The id in the source catalog."
    )
    name = models.CharField(max_length=300)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name="article type"
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, related_name="products", null=True, blank=True
    )
    gender = models.CharField(max_length=20, blank=True)
    base_colour = models.CharField("colour", max_length=50, blank=True)
    season = models.CharField(max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    usage = models.CharField(max_length=50, blank=True)
    age_group = models.CharField(max_length=30, blank=True)
    # Imported catalogs often have no price; missing is shown as unavailable, never
    # invented. `price` is what the shopper pays (the sale price); `list_price` is the
    # price before discount, shown struck through when higher. Stock is per size
    # (ProductVariant).
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    list_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Whether a size can be bought now (shop.catalog.stock): kept by the database from
    # the sizes (migration 0015's triggers), so every writer of a size keeps it true and
    # search reads one column instead of the sizes. Whatever a save() writes here, the
    # database recomputes it.
    in_stock = models.BooleanField(default=False, editable=False)

    # Sanitised HTML (paragraphs, lists, bold only): see the importer.
    description = models.TextField(blank=True)
    materials_care = models.TextField("materials and care", blank=True)
    size_fit = models.TextField("size and fit", blank=True)
    style_note = models.TextField(blank=True)
    # Article attributes from the catalog ("Fit": "Regular Fit", "Fabric": "Cotton").
    attributes = models.JSONField(default=dict, blank=True)

    # A re-encoded copy of the source photo (never the source bytes) and its thumbnail.
    image = models.ImageField(upload_to="products/", blank=True)
    thumbnail = models.ImageField(upload_to="thumbs/", blank=True)
    image_sha256 = models.CharField(
        max_length=64, blank=True, help_text="Hash of the source photo, to skip unchanged images."
    )
    style_sha256 = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Hash of the source style record (JSON), to skip unchanged records.",
    )
    # What the last import wrote into the fields a merchant may edit (price, brand,
    # descriptions...). A field whose value differs from it was edited in the admin,
    # and re-imports leave it alone.
    imported_values = models.JSONField(default=dict, blank=True, editable=False)

    search_vector = SearchVectorField(null=True, editable=False)

    # Pooled BLIP-2 image embedding (mean of the 32 query embeddings, normalised):
    # image-to-image similarity and ANN candidates. Per-query vectors live in
    # ProductQueryEmbedding for faithful ITC scoring.
    embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, blank=True, editable=False)
    embedding_model = models.CharField(max_length=200, blank=True, editable=False)
    embedded_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Indexed for newness' ceiling in search (the newest product's, read per search).
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Indexed for the shared vocabulary's fingerprint (max() read on every search).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["category", "is_active"]),
            models.Index(fields=["gender"]),
            models.Index(fields=["base_colour"]),
            models.Index(fields=["embedding_model"]),
            # Vector search resolves a category filter to the ids of embedded products
            # (index-only, not a visit to every wide product row scattered over the
            # table) ...
            models.Index(
                fields=["category", "embedding_model"],
                include=["id", "is_active"],
                condition=models.Q(embedding__isnull=False),
                name="product_embedded_by_category",
            ),
            # ... and scores their photos exactly: covering the pooled vector keeps
            # each type's vectors together, so that is an index-only scan too.
            models.Index(
                fields=["category", "embedding_model"],
                include=["id", "is_active", "embedding"],
                condition=models.Q(embedding__isnull=False),
                name="product_photo_by_category",
            ),
            # Browsing under "Best match" (search.filters.ordering) reads a page's ids in
            # order straight from an index (index-only: the price is carried for its
            # IS NULL), for one article type and for the whole shop: no sort of every
            # wide row (a 7,070-product type: 12.8 ms -> 1.1 ms; 44k products: 68 -> 7).
            # The article type's index also carries what the rules' boosts and buries
            # test, so the products a boost moves on a category page are read from the
            # type's own entries (a fifth of a 7,070-product type: 1.8 ms, against
            # ~6 ms through the colour index and the type's scattered rows).
            models.Index(
                "category",
                *best_match_order(),
                include=["price", *RULE_TESTED_FIELDS, "in_stock"],
                condition=models.Q(is_active=True),
                name="product_browse_by_category",
            ),
            models.Index(
                *best_match_order(),
                include=["price"],
                condition=models.Q(is_active=True),
                name="product_browse",
            ),
            # A search hands merchandising and the facets the thousands of ids it
            # ranked (``id = ANY(array)``): probed on the id, index-only, with what the
            # shopper's filters and the rules' boosts and buries test carried along
            # (7,366 ids at 44k: 4.8 ms, against 12 ms scanning a browse index whole
            # or visiting 5,000 heap pages for the colour).
            models.Index(
                fields=["id"],
                include=["category", *RULE_TESTED_FIELDS, "price", "in_stock"],
                condition=models.Q(is_active=True),
                name="product_shown_by_id",
            ),
            GinIndex(fields=["search_vector"]),
            HnswIndex(
                name="product_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # The slug comes from the name when asked (no column to keep in step): a renamed
        # product's old URL redirects to the new one (catalog.views.product_detail).
        return cached_reverse("catalog:product_detail", self.pk, slugify(self.name) or "product")

    @property
    def stock(self) -> int | None:
        """Units left over the active sizes whose stock is tracked; None if none is.

        Read-only: stock is set per size (ProductVariant.stock).
        """
        tracked = [v.stock for v in self.variants.all() if v.is_active and v.stock is not None]
        return sum(tracked) if tracked else None

    def sizes_in_stock(self) -> list[str]:
        """The sizes that can be bought now, in their order (``ProductVariant.in_stock``)."""
        counted = self.__dict__.get("in_stock_sizes")  # read by for_cards() in its query
        if counted is not None:
            return counted
        return [v.size for v in self.variants.all() if v.in_stock]

    @property
    def is_sold_out(self) -> bool:
        """No active size can be bought (every tracked size is at 0, or no sizes)."""
        return not self.sizes_in_stock()

    @property
    def is_available(self) -> bool:
        return self.price is not None and not self.is_sold_out


class ProductVariant(models.Model):
    """One purchasable size of a product ("M", "UK8", "One size").

    Stock lives here: ``None`` means not tracked (always purchasable); a number is
    decremented by checkout under a row lock and never goes below zero.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    size = models.CharField(max_length=30)
    sku = models.CharField(max_length=120, unique=True)
    stock = models.PositiveIntegerField(
        null=True, blank=True, help_text="Units in stock; empty means not tracked."
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "size"], name="unique_product_size")
        ]

    def __str__(self) -> str:
        return f"{self.product.name} ({self.size})"

    @property
    def in_stock(self) -> bool:
        return self.is_active and (self.stock is None or self.stock > 0)


class StorefrontSettings(models.Model):
    """The home page: newest arrivals or a hand-picked collection first (one row)."""

    NEWEST = "newest"
    COLLECTION = "collection"
    HOME_CHOICES = [(NEWEST, "Newest arrivals"), (COLLECTION, "Curated collection")]

    home = models.CharField(max_length=20, choices=HOME_CHOICES, default=NEWEST)
    collection_title = models.CharField(max_length=100, blank=True, default="Our picks")
    collection = models.ManyToManyField(Product, blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "storefront settings"

    def __str__(self) -> str:
        return "Storefront settings"

    @classmethod
    def load(cls) -> StorefrontSettings:
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings
