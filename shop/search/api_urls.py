from __future__ import annotations

from django.urls import path

from shop.search import api, merchandising_api

urlpatterns = [
    path("products/", api.ProductListApi.as_view(), name="api-product-list"),
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
