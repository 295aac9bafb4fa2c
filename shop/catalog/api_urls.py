from __future__ import annotations

from django.urls import path

from shop.catalog import api

urlpatterns = [
    path("products/<int:pk>/", api.ProductDetailApi.as_view(), name="api-product-detail"),
]
