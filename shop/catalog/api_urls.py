from __future__ import annotations

from django.urls import path

from shop.catalog import api, merchandising_api

urlpatterns = [
    path("products/", api.ProductListApi.as_view(), name="api-product-list"),
    path("products/<int:pk>/", api.ProductDetailApi.as_view(), name="api-product-detail"),
    path("search/", api.ProductSearchApi.as_view(), name="api-product-search"),
    path(
        "merchandising/rules/",
        merchandising_api.MerchandisingRuleListApi.as_view(),
        name="api-merchandising-rule-list",
    ),
    path(
        "merchandising/rules/<int:pk>/",
        merchandising_api.MerchandisingRuleDetailApi.as_view(),
        name="api-merchandising-rule-detail",
    ),
]
