"""Search's pages: the results page (browse, category pages, words, a photo), the
header search box, autocomplete and result clicks."""

from __future__ import annotations

import re
from dataclasses import replace

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from shop import uploads
from shop.catalog.models import Product
from shop.catalog.selectors import product_get
from shop.clients import client_address
from shop.errors import ShopError
from shop.inputs import clean_text, parse_int
from shop.search import analytics, attribution, photos, results, selectors
from shop.search.filters import MAX_QUERY_LENGTH, SORTS, ProductFilters

# How long the category navigation (a query and ~100 links: ~13 ms a page) is reused.
NAVIGATION_SECONDS = 60
# The results page's title ends with its count and page ("Tshirts (23) · page 2"); the
# page's <h1> is the title without them (the count is shown beside it).
_TITLE_TAIL = re.compile(r" \(\d+\)( · page \d+)?$")
# The parameters the facet checkboxes themselves send (price is links, not checkboxes).
_CHECKBOX_FACETS_EXCLUDED = {"price"}


def _wants_partial(request: HttpRequest) -> bool:
    # A history restore (back button after a cache miss) needs the whole page.
    return bool(
        request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    )


@require_safe
@vary_on_headers("HX-Request")
def product_list(request: HttpRequest) -> HttpResponse:
    """The one results page: browse, words, a kept photo, or both; every state in the URL."""
    filters = ProductFilters.from_query(request.GET)
    return _render_results(request, filters=filters)


def _render_results(
    request: HttpRequest,
    *,
    filters: ProductFilters,
    error: str = "",
    status: int = 200,
    push_url: str = "",
) -> HttpResponse:
    page = results.results_page(filters=filters)
    products = list(page.page.object_list)
    common_reasons = _common_reasons(products)
    checkbox_facets = {
        facet.name
        for facet in page.facets
        if facet.values and facet.name not in _CHECKBOX_FACETS_EXCLUDED
    }
    # A search id for the page, and a click token on each product shown (attribution).
    search_id = (
        ""
        if error
        else analytics.search_track(
            page=page, session=request.session, address=client_address(request)
        )
    )
    context = {
        "results": page,
        "page": page.page,
        "filters": filters,
        "q": filters.q,
        "sorts": SORTS,
        # Called by the template only when its cached copy (in each process's memory,
        # the "fragments" cache) has expired: counts may be a minute old.
        "navigation": selectors.category_navigation,
        "navigation_seconds": NAVIGATION_SECONDS,
        "error": error,
        "search_id": search_id,
        "heading": _TITLE_TAIL.sub("", page.title),
        "common_reasons": common_reasons,
        # The state the filter form carries besides its own checkboxes and sort.
        "facet_hidden": [
            (key, value)
            for key, value in filters.parameters()
            if key not in checkbox_facets and key not in ("sort", "page")
        ],
        "canonical_url": "" if page.is_search else request.build_absolute_uri(filters.url()),
        "photo_preview": photos.preview_data_uri(page.photo) if page.photo else "",
        "shelf": results.home_shelf() if filters == ProductFilters() else None,
    }
    template = "search/product_list.html"
    if _wants_partial(request):
        template += "#listing"
    response = render(request, template, context, status=status)
    if push_url and request.htmx:
        response["HX-Push-Url"] = push_url
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
@uploads.refuse_oversized_before_csrf
def search(request: HttpRequest) -> HttpResponse:
    """The header search form: words and/or a photo, then the results page's URL.

    A photo is decoded, embedded and kept under a token; the answer is the results
    page at ``/?photo=<token>&q=...`` (a redirect, or the page itself with HX-Push-Url
    for HTMX). GET here is an old link: it redirects to the results page.
    """
    if request.method == "POST" and uploads.request_too_large(request):
        # Unread and unchecked for CSRF (see refuse_oversized_before_csrf): answer only.
        return _render_results(
            request, filters=ProductFilters(), error=uploads.REQUEST_TOO_LARGE, status=413
        )
    params = request.POST if request.method == "POST" else request.GET
    filters = replace(ProductFilters.from_query(params), page=1)
    if params.get("remove_photo"):
        filters = replace(filters, photo="")
    upload = request.FILES.get("image") if request.method == "POST" else None
    if upload is not None:
        try:
            uploads.photo_search_rate_limit(request)
            photo = photos.search_photo_store(photo=uploads.photo_from_upload(upload=upload))
        except ShopError as error:
            return error.add_headers(
                _render_results(
                    request,
                    filters=replace(filters, photo=""),
                    error=error.message,
                    status=error.status,
                )
            )
        filters = replace(filters, photo=photo.token)
    url = filters.url()
    if request.htmx:
        return _render_results(request, filters=filters, push_url=url)
    return redirect(url)


# The token is the proof: signed, for one product shown to this session's search (a
# cross-site page cannot have one), so a beacon needs no CSRF token.
@csrf_exempt
@require_POST
def search_click(request: HttpRequest) -> HttpResponse:
    """A click reported by a beacon or an API client: ``token`` (a result's click
    token) and ``product``; 204 when counted, 400 when refused."""
    product_id = parse_int(request.POST.get("product"), low=1)
    token = request.POST.get("token", "")
    if product_id is None or not attribution.search_click_record(
        token=token, product_id=product_id, session=request.session
    ):
        return HttpResponse("That click is not one of your search's results.", status=400)
    return HttpResponse(status=204)


@require_safe
def search_click_legacy(request: HttpRequest, log_id: int, pk: int) -> HttpResponse:
    """Links from before clicks were signed: the product page, nothing counted."""
    try:
        product = product_get(pk=pk)
    except Product.DoesNotExist:
        raise Http404("No such product") from None
    return redirect(product.get_absolute_url(), permanent=True)


@require_safe
def search_suggest(request: HttpRequest) -> HttpResponse:
    """Autocomplete for the header box: article types, brands, products, popular searches."""
    q = clean_text(request.GET.get("q", ""), max_length=MAX_QUERY_LENGTH)
    return render(
        request,
        "search/suggestions.html",
        {"q": q, "suggestions": analytics.suggestions(text=q)},
    )


def _common_reasons(products: list[Product]) -> list[str]:
    """Reasons every card on the page shares ("Black, as you asked"), said once above them.

    Each card keeps only what sets it apart ("Matches “floral”").
    """
    reasons = [getattr(product, "search_reasons", None) for product in products]
    if len(products) < 2 or any(not r for r in reasons):
        return []
    common = [reason for reason in reasons[0] if all(reason in r for r in reasons[1:])]
    for product in products:
        product.search_reasons = [r for r in product.search_reasons if r not in common]
    return common
