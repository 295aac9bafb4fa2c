from __future__ import annotations

from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "shop.cart"
    label = "cart"
    verbose_name = "Cart"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from shop.cart.session import cart_keep_on_login

        # The one hook Django gives for "a shopper just logged in": the anonymous
        # cart becomes (or merges into) the user's cart.
        user_logged_in.connect(cart_keep_on_login, dispatch_uid="cart_keep_on_login")
