"""gzip for the catalog's public pages, not for pages that carry a shopper's own data.

BREACH recovers a secret from a compressed HTTPS response when an attacker can also put
text of their choosing into the same response and watch its size. The shop's pages
reflect the shopper's words (search), so compression is limited to what an attacker
could not learn anything private from:

- anonymous requests only (a signed-in shopper's pages show their name and address);
- not the bag, checkout, orders, accounts, assistant or admin (personal data);
- the CSRF token every page carries is masked afresh on each response by Django, and
  Django's GZipMiddleware pads each response by a random length ("Heal the BREACH").

Static files are compressed ahead of time by whitenoise and served before this runs.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

PRIVATE_PREFIXES = ("/cart/", "/checkout/", "/orders/", "/accounts/", "/assistant/", "/admin/")


class PublicPageGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(
            PRIVATE_PREFIXES
        ):
            return response
        return super().process_response(request, response)
