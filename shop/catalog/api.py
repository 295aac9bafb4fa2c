from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.generics import RetrieveAPIView

from shop.catalog.descriptions import description_render
from shop.catalog.models import Product
from shop.money import currency_code, discount_percent, format_money


class DescriptionField(serializers.CharField):
    """Description HTML, sanitised again on the way out (paragraphs, lists, bold only)."""

    def to_representation(self, value: str) -> str:
        return description_render(value)


class SizeOutputSerializer(serializers.Serializer):
    size = serializers.CharField()
    sku = serializers.CharField()
    in_stock = serializers.BooleanField()

    class Meta:
        ref_name = "ProductSize"


class ProductOutputSerializer(serializers.ModelSerializer):
    article_type = serializers.CharField(source="category.name")
    brand = serializers.CharField(source="brand.name", allow_null=True)
    colour = serializers.CharField(source="base_colour")
    currency = serializers.SerializerMethodField()
    price_display = serializers.SerializerMethodField()
    discount_percent = serializers.SerializerMethodField()
    sizes = serializers.SerializerMethodField()
    description = DescriptionField()
    materials_care = DescriptionField()
    size_fit = DescriptionField()
    style_note = DescriptionField()
    attributes = serializers.DictField(child=serializers.CharField())
    url = serializers.CharField(source="get_absolute_url")
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "external_id",
            "name",
            "brand",
            "article_type",
            "gender",
            "age_group",
            "colour",
            "season",
            "year",
            "usage",
            "price",
            "list_price",
            "currency",
            "price_display",
            "discount_percent",
            "sizes",
            "description",
            "materials_care",
            "size_fit",
            "style_note",
            "attributes",
            "url",
            "image_url",
        ]

    def get_currency(self, product: Product) -> str:
        return currency_code()

    def get_price_display(self, product: Product) -> str | None:
        """The price as shoppers read it (``₹1,299``); null when there is none."""
        return format_money(product.price) or None

    def get_discount_percent(self, product: Product) -> int | None:
        return discount_percent(product.list_price, product.price)

    @extend_schema_field(SizeOutputSerializer(many=True))
    def get_sizes(self, product: Product) -> list[dict]:
        """Sizes on sale, in the shop's order; ``in_stock`` is false at zero stock."""
        active = [v for v in product.variants.all() if v.is_active]
        return SizeOutputSerializer(active, many=True).data

    def get_image_url(self, product: Product) -> str | None:
        return product.thumbnail.url if product.thumbnail else None


class ProductDetailApi(RetrieveAPIView):
    serializer_class = ProductOutputSerializer

    def get_queryset(self):  # noqa: ANN201
        return Product.objects.browsable().for_display()
