from __future__ import annotations

from django.urls import path

from shop.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("search/click/<int:log_id>/<int:pk>/", views.search_click, name="search_click"),
]
