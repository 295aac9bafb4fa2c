from __future__ import annotations

from django.urls import path

from shop.cart import api

urlpatterns = [
    path("cart/", api.CartApi.as_view(), name="api-cart"),
    path("cart/lines/", api.CartLineAddApi.as_view(), name="api-cart-line-add"),
    path(
        "cart/lines/<int:line_id>/update/",
        api.CartLineUpdateApi.as_view(),
        name="api-cart-line-update",
    ),
    path(
        "cart/lines/<int:line_id>/remove/",
        api.CartLineRemoveApi.as_view(),
        name="api-cart-line-remove",
    ),
    path("cart/voucher/", api.CartVoucherApplyApi.as_view(), name="api-cart-voucher"),
    path(
        "cart/voucher/remove/",
        api.CartVoucherRemoveApi.as_view(),
        name="api-cart-voucher-remove",
    ),
]
