from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# A database outage is a 503 page, anything else the shop's own 500 page.
handler500 = "shop.views.server_error"
handler404 = "shop.views.not_found"

MOVED_TO_SEARCH = [
    "synonym",
    "searchcalibration",
    "searchquerylog",
    "merchandisingrule",
    "productpopularity",
]

urlpatterns = [
    # The search models' admin pages moved from /admin/catalog/ with their app (bookmarks).
    re_path(
        rf"^admin/catalog/(?P<rest>(?:{'|'.join(MOVED_TO_SEARCH)})/.*)$",
        RedirectView.as_view(url="/admin/search/%(rest)s", permanent=True, query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split: the page's script is a separate file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("shop.catalog.api_urls")),
    path("api/", include("shop.search.api_urls")),
    path("api/", include("shop.assistant.api_urls")),
    path("api/", include("shop.cart.api_urls")),
    path("api/", include("shop.orders.api_urls")),
    path("api/", include("shop.promotions.api_urls")),
    path("api/", include("shop.recommendations.api_urls")),
    path("assistant/", include("shop.assistant.urls")),
    path("cart/", include("shop.cart.urls")),
    path("accounts/", include("allauth.account.urls")),
    path("", include("shop.accounts.urls")),
    path("", include("shop.orders.urls")),
    path("", include("shop.catalog.urls")),
    path("", include("shop.search.urls")),
]

# Product photos and thumbnails are files the shop wrote itself (re-encoded, never
# uploaded bytes). A larger deployment would put them behind a CDN or nginx.
urlpatterns += [
    re_path(
        rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>(products|thumbs)/.*)$",
        serve,
        {"document_root": settings.MEDIA_ROOT},
    ),
]
