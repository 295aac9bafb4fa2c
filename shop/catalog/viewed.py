"""Products this browser has looked at, newest first: "recently viewed".

Kept in a signed cookie (ids only, at most ``MAX_VIEWED``), not the session: a product
page then writes no session row for a crawler or a one-page visitor, and the list
goes when the browser forgets it. The product page records; recommendations read.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

COOKIE = "viewed"
SALT = "shop.catalog.viewed"
MAX_VIEWED = 20
MAX_AGE_S = 30 * 24 * 3600


def viewed_ids(request: HttpRequest) -> list[int]:
    """The ids recorded, newest first; a missing, forged or malformed cookie is empty."""
    raw = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=MAX_AGE_S)
    ids = [int(part) for part in raw.split(",") if part.isascii() and part.isdigit()]
    return ids[:MAX_VIEWED]


def viewed_record(request: HttpRequest, response: HttpResponse, product_id: int) -> None:
    ids = [product_id, *(pk for pk in viewed_ids(request) if pk != product_id)][:MAX_VIEWED]
    response.set_signed_cookie(
        COOKIE,
        ",".join(map(str, ids)),
        salt=SALT,
        max_age=MAX_AGE_S,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
