"""``GET /api/products/<id>/recommendations/``: the product page's blocks as JSON."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.catalog.api import ProductOutputSerializer
from shop.catalog.models import Product
from shop.catalog.viewed import viewed_ids
from shop.recommendations import selectors


class ProductRecommendationsApi(APIView):
    """Complete the look, bought together (or "you may also like"), recently viewed and
    trending; only the blocks that have something (see the selectors)."""

    class BlockSerializer(serializers.Serializer):
        key = serializers.CharField()
        title = serializers.CharField()
        products = ProductOutputSerializer(many=True)

    class OutputSerializer(serializers.Serializer):
        blocks = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        product = Product.objects.browsable().for_display().filter(pk=pk).first()
        if product is None:
            raise Http404("No such product")
        blocks = selectors.product_recommendations(product=product, viewed=viewed_ids(request))
        serializer = self.BlockSerializer(blocks, many=True, context={"request": request})
        return Response({"blocks": serializer.data})
