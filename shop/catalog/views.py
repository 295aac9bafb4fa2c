from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shop.catalog import selectors
from shop.catalog.models import Product

PAGE_SIZE = 24


@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ProductFilters.from_query(request.GET)
    q = request.GET.get("q", "").strip()[:200]
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
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


@require_GET
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        product = selectors.product_get(pk=pk)
    except Product.DoesNotExist:
        raise Http404("No such product") from None
    return render(
        request,
        "catalog/product_detail.html",
        {"product": product, "navigation": selectors.category_navigation()},
    )
