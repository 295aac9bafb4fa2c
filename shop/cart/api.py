"""Cart API: the same services as the cart page, on the same session cart.

JSON bodies: a cross-site HTML form cannot send one, and a state change that carries
the session cookie without being JSON must pass the CSRF check (shop/api_csrf.py).
Answers are one shopper's: private, no-store.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.cart import selectors, services
from shop.cart.delivery import DEFAULT_DELIVERY, delivery_methods
from shop.cart.exceptions import CartError
from shop.cart.models import Cart
from shop.cart.selectors import CartItem, CartSummary, CartTotals
from shop.cart.session import cart_for_request, cart_id_for_request
from shop.errors import error_responses
from shop.inputs import WholeNumberSerializerField, error_detail
from shop.money import currency_code
from shop.search import attribution

# CartError (a ShopError) answers through the API's one exception handler.
ERRORS = error_responses(400, 402, 404, 409, 415)


class CartOutputSerializer(serializers.Serializer):
    class LineSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="line.pk")
        product_id = serializers.IntegerField(source="product.pk")
        product_name = serializers.CharField(source="product.name")
        variant_id = serializers.IntegerField(source="variant.pk")
        size = serializers.CharField(source="variant.size")
        quantity = serializers.IntegerField()
        unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
        line_total = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
        discount = serializers.SerializerMethodField(
            help_text="What the voucher takes off this line (a decimal string)."
        )
        problem = serializers.CharField(help_text="Why this line cannot be bought now, or empty.")

        class Meta:
            ref_name = "CartLine"

        def get_discount(self, item: CartItem) -> str:
            discount = self.context["line_discounts"].get(item.line.pk, Decimal(0))
            return f"{discount:.2f}"

    lines = LineSerializer(many=True, source="items")
    count = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    voucher = serializers.CharField(help_text="The voucher code applied, or empty.")
    voucher_error = serializers.CharField(
        help_text="Why the applied code takes nothing off now, or empty."
    )
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    delivery = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    fingerprint = serializers.CharField(help_text="Pass to checkout to refuse a changed cart.")

    class Meta:
        ref_name = "Cart"


def _cart_body(summary: CartSummary, totals: CartTotals) -> dict:
    return CartOutputSerializer(
        {
            "items": summary.items,
            "count": summary.count,
            "subtotal": totals.subtotal,
            "voucher": totals.voucher_code,
            "voucher_error": totals.voucher_error,
            "discount": totals.discount,
            "delivery": totals.delivery,
            "total": totals.total,
            "currency": currency_code(),
            "fingerprint": totals.fingerprint,
        },
        context={"line_discounts": totals.line_discounts},
    ).data


def _cart_response(request: Request, *, status: int = 200) -> Response:
    cart = selectors.cart_get(cart_id=cart_id_for_request(request))
    summary = selectors.cart_summary(cart_id=cart.pk if cart else None)
    totals = selectors.cart_totals(
        summary=summary,
        delivery=delivery_methods()[DEFAULT_DELIVERY],
        voucher_code=cart.voucher_code if cart else "",
        user=request.user,
    )
    return Response(_cart_body(summary, totals), status=status)


def _cart_with_lines(request: Request) -> Cart:
    cart = cart_for_request(request, create=False)
    if cart is None:
        raise CartError("That item is not in your cart.", status=404)
    return cart


@method_decorator(never_cache, name="dispatch")
class CartApi(APIView):
    """The session's cart, priced from the catalog (delivery: the standard method)."""

    @extend_schema(responses={200: CartOutputSerializer})
    def get(self, request: Request) -> Response:
        return _cart_response(request)


@method_decorator(never_cache, name="dispatch")
class CartLineAddApi(APIView):
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        product = WholeNumberSerializerField(min_value=1, help_text="Product id.")
        variant = WholeNumberSerializerField(min_value=1, help_text="The chosen size's variant id.")
        quantity = WholeNumberSerializerField(default=1)

        class Meta:
            ref_name = "CartLineAddInput"

    @extend_schema(request=InputSerializer, responses={201: CartOutputSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"detail": error_detail(serializer.errors)}, status=400)
        data = serializer.validated_data
        cart = cart_for_request(request, create=True)
        services.cart_line_add(
            cart=cart,
            product_id=data["product"],
            variant_id=data["variant"],
            quantity=data["quantity"],
        )
        # Counted for the search this product was clicked from, if any (recently).
        attribution.search_cart_add_record(
            session=request.session,
            cart_id=cart.pk,
            product_id=data["product"],
            quantity=data["quantity"],
        )
        return _cart_response(request, status=201)


@method_decorator(never_cache, name="dispatch")
class CartLineUpdateApi(APIView):
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        quantity = WholeNumberSerializerField()

        class Meta:
            ref_name = "CartLineUpdateInput"

    @extend_schema(request=InputSerializer, responses={200: CartOutputSerializer, **ERRORS})
    def post(self, request: Request, line_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"detail": error_detail(serializer.errors)}, status=400)
        services.cart_line_quantity_set(
            cart=_cart_with_lines(request),
            line_id=line_id,
            quantity=serializer.validated_data["quantity"],
        )
        return _cart_response(request)


@method_decorator(never_cache, name="dispatch")
class CartLineRemoveApi(APIView):
    @extend_schema(request=None, responses={200: CartOutputSerializer, **ERRORS})
    def post(self, request: Request, line_id: int) -> Response:
        services.cart_line_remove(cart=_cart_with_lines(request), line_id=line_id)
        return _cart_response(request)


@method_decorator(never_cache, name="dispatch")
class CartVoucherApplyApi(APIView):
    """Apply a voucher code to the session's cart (the cart page's service)."""

    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=32)

        class Meta:
            ref_name = "CartVoucherInput"

    @extend_schema(request=InputSerializer, responses={200: CartOutputSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"detail": error_detail(serializer.errors)}, status=400)
        cart = cart_for_request(request, create=False)
        if cart is None:
            raise CartError("Add something to your cart before using a voucher.")
        services.cart_voucher_apply(
            cart=cart, code=serializer.validated_data["code"], user=request.user
        )
        return _cart_response(request)


@method_decorator(never_cache, name="dispatch")
class CartVoucherRemoveApi(APIView):
    @extend_schema(request=None, responses={200: CartOutputSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        cart = cart_for_request(request, create=False)
        if cart is not None:
            services.cart_voucher_remove(cart=cart)
        return _cart_response(request)
