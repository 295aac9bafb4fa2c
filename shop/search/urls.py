from __future__ import annotations

from django.urls import path

from shop.search import views

app_name = "search"
urlpatterns = [
    # The one results page: browse, category pages (?category=), words and photos.
    path("", views.product_list, name="product_list"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("search/click/", views.search_click, name="search_click"),
    path(
        "search/click/<int:log_id>/<int:pk>/",
        views.search_click_legacy,
        name="search_click_legacy",
    ),
]
