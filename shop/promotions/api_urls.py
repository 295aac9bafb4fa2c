from __future__ import annotations

from django.urls import path

from shop.promotions import api

urlpatterns = [
    path("vouchers/", api.VoucherListApi.as_view(), name="api-voucher-list"),
    path("vouchers/<int:pk>/", api.VoucherDetailApi.as_view(), name="api-voucher-detail"),
]
