from __future__ import annotations

from django.urls import path

from shop.accounts import views

app_name = "accounts"
urlpatterns = [
    path("accounts/", views.overview, name="overview"),
    path("accounts/addresses/", views.address_list, name="addresses"),
    path("accounts/addresses/new/", views.address_edit, name="address_create"),
    path("accounts/addresses/<int:address_id>/", views.address_edit, name="address_edit"),
    path(
        "accounts/addresses/<int:address_id>/delete/",
        views.address_delete,
        name="address_delete",
    ),
    path("accounts/orders/", views.order_list, name="orders"),
    path("accounts/orders/<str:number>/", views.order_detail, name="order_detail"),
    path("accounts/orders/<str:number>/buy-again/", views.order_buy_again, name="order_buy_again"),
    path("wishlist/", views.wishlist_page, name="wishlist"),
    path("wishlist/add/", views.wishlist_add, name="wishlist_add"),
    path("wishlist/remove/", views.wishlist_remove, name="wishlist_remove"),
    path(
        "wishlist/alerts/unsubscribe/<str:token>/",
        views.alerts_unsubscribe,
        name="alerts_unsubscribe",
    ),
]
