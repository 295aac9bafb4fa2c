from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from shop import uploads
from shop.catalog import selectors
from shop.catalog.models import Category, Product
from shop.errors import ShopError
from shop.inputs import clean_text

PAGE_SIZE = 24
MAX_QUERY_LENGTH = 200


def _wants_partial(request: HttpRequest) -> bool:
    # A history restore (back button after a cache miss) needs the whole page.
    return bool(
        request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    )


@require_safe
@vary_on_headers("HX-Request")
def product_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ProductFilters.from_query(request.GET)
    q = clean_text(request.GET.get("q", ""), max_length=MAX_QUERY_LENGTH)
    sort = request.GET.get("sort", "relevance")
    if sort not in selectors.SORTS:
        sort = "relevance"
    products = selectors.product_list(filters=filters, q=q, sort=sort)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "sort": sort,
        "sorts": selectors.SORTS,
        "filters": filters,
        "facets": selectors.product_facets(filters=filters, q=q),
        "navigation": selectors.category_navigation(),
    }
    template = "catalog/product_list.html"
    if _wants_partial(request):
        template += "#results"
    return render(request, template, context)


@require_safe
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        product = selectors.product_get(pk=pk)
    except Product.DoesNotExist:
        raise Http404("No such product") from None
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "similar": selectors.product_similar(product=product, k=8),
            "navigation": selectors.category_navigation(),
        },
    )


SEARCH_PAGE_SIZE = 24


def _search_context(request: HttpRequest, params: QueryDict) -> dict[str, object]:
    return {
        "q": clean_text(params.get("q", ""), max_length=MAX_QUERY_LENGTH),
        "k": _result_count(params.get("k")),
        "filters": selectors.ProductFilters.from_query(params),
        "navigation": selectors.category_navigation(),
        "categories": Category.objects.filter(products__is_active=True).distinct(),
        "genders": selectors.product_attribute_values(field="gender"),
        "colours": selectors.product_attribute_values(field="base_colour"),
    }


def _result_count(value: str | None) -> int:
    """How many results to show: pages of SEARCH_PAGE_SIZE, up to the search's maximum."""
    try:
        k = int(value or SEARCH_PAGE_SIZE)
    except ValueError:
        k = SEARCH_PAGE_SIZE
    return max(SEARCH_PAGE_SIZE, min(k, selectors.MAX_K))


def _search_url(context: dict[str, object]) -> str:
    """The GET URL of a text search, built from the cleaned words and filters only."""
    query = QueryDict(mutable=True)
    query["q"] = context["q"]
    filters: selectors.ProductFilters = context["filters"]
    for name, (param, _field) in selectors.FACETS.items():
        query.setlist(param, list(getattr(filters, name)))
    if context["k"] != SEARCH_PAGE_SIZE:
        query["k"] = str(context["k"])
    return f"{reverse('catalog:search')}?{query.urlencode()}"


def _render_search(
    request: HttpRequest, context: dict[str, object], *, status: int = 200
) -> HttpResponse:
    template = "catalog/search.html"
    if _wants_partial(request):
        template += "#search-results"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
@uploads.refuse_oversized_before_csrf
def search(request: HttpRequest) -> HttpResponse:
    """Text (GET or POST), photo or photo + text (POST multipart) search."""
    if request.method == "POST" and uploads.request_too_large(request):
        # Unread and unchecked for CSRF (see refuse_oversized_before_csrf): answer only.
        context = _search_context(request, QueryDict())
        context["error"] = uploads.REQUEST_TOO_LARGE
        return _render_search(request, context, status=413)
    params = request.POST if request.method == "POST" else request.GET
    context = _search_context(request, params)
    upload = request.FILES.get("image") if request.method == "POST" else None
    if request.method == "POST" and upload is None and not request.htmx:
        # Words alone are a shareable URL: post/redirect/get.
        return redirect(_search_url(context))
    if not context["q"] and upload is None:
        return _render_search(request, context)
    try:
        photo = None
        if upload is not None:
            uploads.photo_search_rate_limit(request)
            photo = uploads.photo_from_upload(upload=upload)
        result = selectors.product_search(
            text=context["q"], image=photo, filters=context["filters"], k=context["k"]
        )
    except ShopError as error:
        context["error"] = error.message
        response = _render_search(request, context, status=error.status)
        for header, value in error.headers().items():
            response[header] = value
        return response
    context.update(
        result=result,
        # HTMX posts words too; "more" is a GET URL of the cleaned words and filters.
        more_url=(
            _search_url({**context, "k": context["k"] + SEARCH_PAGE_SIZE})
            if upload is None and len(result.hits) == context["k"] < selectors.MAX_K
            else ""
        ),
        photo_preview=uploads.photo_preview_data_uri(photo=photo) if photo is not None else "",
    )
    return _render_search(request, context)
