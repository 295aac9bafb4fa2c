"""Search's API: the product list with the storefront's filters, and search by words,
a photo or both (``/api/products/``, ``/api/search/``)."""

from __future__ import annotations

from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop import uploads
from shop.catalog.api import ProductOutputSerializer
from shop.clients import client_address
from shop.errors import ShopError, error_responses
from shop.inputs import clean_text, error_detail
from shop.search import analytics, selectors
from shop.search.filters import FLAG_WORDS, filter_values_unknown

ERRORS = error_responses(400, 413, 503)


@extend_schema(
    responses={200: ProductOutputSerializer(many=True), **error_responses(400)},
    parameters=[
        OpenApiParameter("q", str, description="Keywords (full-text search)."),
        *(
            OpenApiParameter(
                param,
                str,
                many=True,
                description=f"Repeatable {name} filter"
                + (" (article type name or slug)." if name == "category" else "."),
            )
            for name, (param, _field) in selectors.FACETS.items()
        ),
        OpenApiParameter("in_stock", bool, description="Only products with a size in stock."),
    ],
)
class ProductListApi(ListAPIView):
    """Browsable products; filter with category, gender, colour, season, usage, size,
    in_stock, q."""

    serializer_class = ProductOutputSerializer

    def get_queryset(self):  # noqa: ANN201 (DRF's signature)
        flags = self.request.query_params.getlist("in_stock")
        if any(flag.strip().lower() not in FLAG_WORDS for flag in flags):
            raise ShopError("in_stock: give true or false.")
        return selectors.product_list(
            filters=selectors.ProductFilters.from_query(self.request.query_params),
            q=clean_text(self.request.query_params.get("q", ""), max_length=200),
        )


class ProductSearchApi(APIView):
    """Search by text (`q`), a photo (`image`), or both; multipart or JSON."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        q = serializers.CharField(
            required=False, allow_blank=True, max_length=200, default="", trim_whitespace=True
        )
        image = serializers.FileField(required=False)
        category = serializers.ListField(
            child=serializers.CharField(max_length=100), required=False, default=list
        )
        gender = serializers.ListField(
            child=serializers.CharField(max_length=20), required=False, default=list
        )
        colour = serializers.ListField(
            child=serializers.CharField(max_length=50), required=False, default=list
        )
        size = serializers.ListField(
            child=serializers.CharField(max_length=30),
            required=False,
            default=list,
            help_text="Sizes as the catalog writes them (M, UK9); products with one in stock.",
        )
        in_stock = serializers.BooleanField(
            required=False, default=False, help_text="Only products with a size in stock."
        )
        k = serializers.IntegerField(required=False, min_value=1, max_value=100, default=12)

        def to_internal_value(self, data: object) -> dict:
            # JSON callers may give one value as a plain string ("category": "Tshirts");
            # multipart repeats the field instead.
            if isinstance(data, dict) and not isinstance(data, QueryDict):
                data = {
                    key: [value]
                    if key in ("category", "gender", "colour", "size") and isinstance(value, str)
                    else value
                    for key, value in data.items()
                }
            return super().to_internal_value(data)

        def validate_q(self, value: str) -> str:
            return clean_text(value, max_length=200)

        def validate(self, attrs: dict) -> dict:
            if not attrs.get("q") and attrs.get("image") is None:
                raise serializers.ValidationError("Give `q` (text), `image` (a photo), or both.")
            return attrs

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="product.id")
        name = serializers.CharField(source="product.name")
        article_type = serializers.CharField(source="product.category.name")
        colour = serializers.CharField(source="product.base_colour")
        score = serializers.FloatField()
        url = serializers.CharField(source="product.get_absolute_url")
        image_url = serializers.SerializerMethodField()
        click_token = serializers.CharField(
            source="product.search_token",
            default="",
            help_text="POST it with `product` to /search/click/ when the shopper opens this "
            "result (the same session), or open `url` + `?sid=` + it.",
        )

        def get_image_url(self, hit: selectors.SearchHit) -> str | None:
            return hit.product.thumbnail.url if hit.product.thumbnail else None

        class Meta:
            ref_name = "SearchResult"

    class ResultsSerializer(serializers.Serializer):
        results = serializers.ListField(child=serializers.DictField())
        search_id = serializers.CharField(
            help_text="This search's signed id (empty when it was not logged: over the "
            "session's logging limit)."
        )
        notice = serializers.CharField(
            required=False, help_text="Set when visual search could not run."
        )

        class Meta:
            ref_name = "SearchResults"

    @extend_schema(
        request={
            "multipart/form-data": InputSerializer,
            "application/json": InputSerializer,
        },
        responses={200: ResultsSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        if uploads.request_too_large(request):  # before request.data reads the body
            raise ShopError(uploads.REQUEST_TOO_LARGE, status=413)
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            raise ShopError(error_detail(serializer.errors))
        data = serializer.validated_data
        filters = selectors.ProductFilters(
            category=tuple(data["category"]),
            gender=tuple(data["gender"]),
            colour=tuple(data["colour"]),
            size=tuple(data["size"]),
            in_stock=data["in_stock"],
        )
        unknown = filter_values_unknown(filters=filters)
        if unknown:
            facet, values = next(iter(unknown.items()))
            raise ShopError(f"Unknown {facet}: {', '.join(values)}.")
        photo = None
        if data.get("image"):
            uploads.photo_search_rate_limit(request)
            photo = uploads.photo_from_upload(upload=data["image"])
        result = selectors.product_search(text=data["q"], image=photo, filters=filters, k=data["k"])
        search_id = analytics.search_api_track(
            query=data["q"],
            filters=filters,
            with_photo=photo is not None,
            products=[hit.product for hit in result.hits],
            session=request.session,
            address=client_address(request),
        )
        body = {
            "results": self.OutputSerializer(result.hits, many=True).data,
            "search_id": search_id,
        }
        if result.notice:
            body["notice"] = result.notice
        return Response(body)
