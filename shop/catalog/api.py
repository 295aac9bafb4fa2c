from __future__ import annotations

from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from shop.catalog import selectors
from shop.catalog.models import Product


class ProductOutputSerializer(serializers.ModelSerializer):
    article_type = serializers.CharField(source="category.name")
    colour = serializers.CharField(source="base_colour")
    url = serializers.CharField(source="get_absolute_url")
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id", "external_id", "name", "article_type", "gender", "colour", "season",
            "year", "usage", "price", "stock", "url", "image_url",
        ]

    def get_image_url(self, product: Product) -> str | None:
        return product.thumbnail.url if product.thumbnail else None


class ProductListApi(ListAPIView):
    """Browsable products; filter with category, gender, colour, season, usage, q."""

    serializer_class = ProductOutputSerializer

    def get_queryset(self):  # noqa: ANN201 (DRF's signature)
        return selectors.product_list(
            filters=selectors.ProductFilters.from_query(self.request.query_params),
            q=self.request.query_params.get("q", "").strip()[:200],
        )


class ProductDetailApi(RetrieveAPIView):
    serializer_class = ProductOutputSerializer

    def get_queryset(self):  # noqa: ANN201
        return Product.objects.browsable().select_related("category")
