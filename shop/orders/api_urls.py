from __future__ import annotations

from django.urls import path

from shop.orders import api

urlpatterns = [
    path("checkout/", api.CheckoutApi.as_view(), name="api-checkout"),
    path("orders/lookup/", api.OrderLookupApi.as_view(), name="api-order-lookup"),
]
