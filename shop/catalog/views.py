"""The catalog's own pages: a product, and what crawlers may read.

Results pages, category pages and the search box are search's (``shop.search.views``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from shop.catalog import selectors, seo
from shop.catalog.models import Product
from shop.catalog.signals import product_viewed
from shop.catalog.viewed import viewed_record
from shop.money import currency_code


@require_safe
def product_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    """A product page at ``/products/<id>-<slug>/``; any other spelling redirects there.

    The slug is the name's, so old ``/products/<id>/`` links and links made before a
    rename move permanently (301) to the current URL.
    """
    try:
        product = selectors.product_get(pk=pk)
    except Product.DoesNotExist:
        raise Http404("No such product") from None
    url = product.get_absolute_url()
    if request.path != url:
        query = request.META.get("QUERY_STRING", "")
        return redirect(url + (f"?{query}" if query else ""), permanent=True)
    # Search counts a click from its results (``?sid=``: the canonical link below
    # leaves it out, and no redirect is spent on it); see shop.search.attribution.
    product_viewed.send(sender=Product, request=request, product=product)
    response = render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "canonical_url": request.build_absolute_uri(url),
            "meta_description": seo.product_description(product=product),
            "image_url": request.build_absolute_uri(product.image.url) if product.image else "",
            "currency": currency_code(),
            "structured_data": seo.product_structured_data(
                product=product, url=request.build_absolute_uri(url), request=request
            ),
        },
    )
    viewed_record(request, response, product.pk)  # recently viewed
    return response


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the catalog, not searches, carts, checkout, accounts or the admin."""
    lines = [
        "User-agent: *",
        "Disallow: /search/",
        "Disallow: /*?*q=",
        "Disallow: /*?*photo=",
        "Disallow: /cart/",
        "Disallow: /checkout/",
        "Disallow: /orders/",
        "Disallow: /assistant/",
        "Disallow: /accounts/",
        "Disallow: /admin/",
        "Disallow: /api/",
        f"Sitemap: {request.build_absolute_uri(reverse('catalog:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
