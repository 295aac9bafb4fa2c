from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shop.accounts"
    label = "accounts"
    verbose_name = "Shoppers' accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from shop.accounts.session import wishlist_keep_on_login

        # allauth logs in through django.contrib.auth.login, so user_logged_in is the
        # one hook for "a shopper just logged in" (the cart listens to it too).
        user_logged_in.connect(wishlist_keep_on_login, dispatch_uid="wishlist_keep_on_login")
