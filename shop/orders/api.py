"""Checkout and order API: the same services as the HTML pages, on the session's cart.

JSON bodies: a cross-site HTML form cannot send one, and a state change that carries
the session cookie without being JSON must pass the CSRF check (shop/api_csrf.py).
Answers are one shopper's: private, no-store.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.cart.api import ERRORS
from shop.cart.delivery import DEFAULT_DELIVERY, delivery_methods
from shop.cart.session import cart_id_for_request
from shop.clients import client_address
from shop.errors import DetailSerializer
from shop.inputs import error_detail
from shop.orders import limits, selectors, services
from shop.orders.forms import STATES, mobile_normalise, pin_code
from shop.orders.models import Order, OrderStatus
from shop.orders.payments import DEFAULT_PAYMENT, PAYMENT_METHODS, payment_methods
from shop.orders.views import PLACED_KEY


class OrderOutputSerializer(serializers.Serializer):
    class LineSerializer(serializers.Serializer):
        product_name = serializers.CharField()
        brand = serializers.CharField()
        size = serializers.CharField()
        sku = serializers.CharField()
        unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)
        quantity = serializers.IntegerField()
        line_total = serializers.DecimalField(max_digits=12, decimal_places=2)
        discount = serializers.DecimalField(
            max_digits=12, decimal_places=2, help_text="The voucher's share of this line."
        )

        class Meta:
            ref_name = "OrderLine"

    number = serializers.CharField()
    status = serializers.CharField()
    email = serializers.EmailField()
    delivery_method = serializers.CharField()
    payment_method = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    voucher_code = serializers.CharField(help_text="The voucher used, or empty.")
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    delivery_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()
    lines = LineSerializer(many=True, source="lines.all")
    payment_url = serializers.SerializerMethodField(
        help_text="Awaiting online payment: the page (same session) where the shopper pays."
    )

    def get_payment_url(self, order: Order) -> str | None:
        if order.status != OrderStatus.AWAITING_PAYMENT:
            return None
        return reverse("orders:pay", args=[order.number])

    class Meta:
        ref_name = "Order"


@method_decorator(never_cache, name="dispatch")
class CheckoutApi(APIView):
    """Place an order from the session's cart. The same checkout_token again returns
    the same order (idempotent); stock is checked and taken in one transaction."""

    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        name = serializers.CharField(max_length=100)
        line1 = serializers.CharField(max_length=200)
        line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        city = serializers.CharField(max_length=100)
        state = serializers.ChoiceField(choices=STATES)
        postcode = serializers.CharField(max_length=6, validators=[pin_code])
        phone = serializers.CharField(max_length=20)
        delivery_method = serializers.ChoiceField(
            choices=list(delivery_methods()), default=DEFAULT_DELIVERY
        )
        payment_method = serializers.ChoiceField(
            choices=list(PAYMENT_METHODS),
            default=DEFAULT_PAYMENT,
            help_text="razorpay only when the shop has Razorpay's keys (else 400).",
        )
        checkout_token = serializers.UUIDField(
            help_text="A fresh UUID per checkout; a retry with the same one gets the same order."
        )
        cart_fingerprint = serializers.CharField(
            max_length=64, required=False, allow_blank=True, default="",
            help_text="The cart's fingerprint as shown; refused (409) if the cart changed since.",
        )  # fmt: skip

        class Meta:
            ref_name = "CheckoutInput"

        def validate_phone(self, value: str) -> str:
            return mobile_normalise(value)

        def validate_payment_method(self, value: str) -> str:
            if value not in payment_methods():
                raise serializers.ValidationError("Choose a payment method we offer.")
            return value

    @extend_schema(request=InputSerializer, responses={201: OrderOutputSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"detail": error_detail(serializer.errors)}, status=400)
        data = dict(serializer.validated_data)
        token, fingerprint = data.pop("checkout_token"), data.pop("cart_fingerprint")
        limits.checkout_rate_limit(
            session=request.session.session_key or "",
            address=client_address(request),
            email=data["email"],
            phone=data["phone"],
        )  # RateLimited -> 429, counted with the checkout page's
        order = services.order_place(
            cart_id=cart_id_for_request(request),
            details=services.CheckoutDetails(**data),
            checkout_token=token,
            cart_fingerprint=fingerprint,
            user=request.user,
        )  # OrderError -> its status through the API's error handler
        if order.status == OrderStatus.AWAITING_PAYMENT:
            # Paid on the pay page, which only the session that ordered may open.
            placed = request.session.get(PLACED_KEY, [])
            if order.number not in placed:
                request.session[PLACED_KEY] = [*placed, order.number][-20:]
        return Response(OrderOutputSerializer(order).data, status=201)


@method_decorator(never_cache, name="dispatch")
class OrderLookupApi(APIView):
    """An order's status by its number and the e-mail it was placed with."""

    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        number = serializers.CharField(max_length=20)
        email = serializers.EmailField(max_length=254)

        class Meta:
            ref_name = "OrderLookupInput"

    @extend_schema(
        request=InputSerializer,
        responses={200: OrderOutputSerializer, **ERRORS, 429: DetailSerializer},
    )
    def post(self, request: Request) -> Response:
        limits.order_lookup_rate_limit(
            session=request.session.session_key or "", address=client_address(request)
        )  # RateLimited -> 429 through the API's error handler
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"detail": error_detail(serializer.errors)}, status=400)
        order = selectors.order_lookup(**serializer.validated_data)
        if order is None:
            return Response({"detail": selectors.LOOKUP_FAILED}, status=404)
        return Response(OrderOutputSerializer(order).data)
