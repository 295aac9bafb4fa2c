from __future__ import annotations

from django.urls import path

from shop.recommendations import api

urlpatterns = [
    path(
        "products/<int:pk>/recommendations/",
        api.ProductRecommendationsApi.as_view(),
        name="api-product-recommendations",
    ),
]
