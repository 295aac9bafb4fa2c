from __future__ import annotations

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from shop.catalog import sitemaps, views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/<int:pk>-<slug:slug>/", views.product_detail, name="product_detail"),
    # Links from before product URLs had a slug: redirected (301) to the slugged URL.
    path("products/<int:pk>/", views.product_detail, name="product_detail_by_id"),
    path("robots.txt", views.robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemap_views.sitemap,
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap",
    ),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("search/click/", views.search_click, name="search_click"),
    path(
        "search/click/<int:log_id>/<int:pk>/",
        views.search_click_legacy,
        name="search_click_legacy",
    ),
]
