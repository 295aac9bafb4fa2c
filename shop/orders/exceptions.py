from __future__ import annotations

from shop.cart.exceptions import CartError


class OrderError(CartError):
    """A checkout or order failure fit for the shopper (or merchant).

    A CartError (so a ShopError): views and the API answer both the same way.
    """
