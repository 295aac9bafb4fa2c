from __future__ import annotations

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from shop.catalog import sitemaps, views

app_name = "catalog"
urlpatterns = [
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
]
