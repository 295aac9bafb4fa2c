from __future__ import annotations

from django.urls import path

from shop.cart import views

app_name = "cart"
urlpatterns = [
    path("", views.cart_detail, name="detail"),
    path("add/", views.cart_line_add, name="line_add"),
    path("lines/<int:line_id>/update/", views.cart_line_update, name="line_update"),
    path("lines/<int:line_id>/remove/", views.cart_line_remove, name="line_remove"),
    path("voucher/", views.cart_voucher_apply, name="voucher_apply"),
    path("voucher/remove/", views.cart_voucher_remove, name="voucher_remove"),
]
