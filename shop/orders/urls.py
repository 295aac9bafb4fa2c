from __future__ import annotations

from django.urls import path

from shop.orders import views

app_name = "orders"
urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/status/", views.order_status, name="status"),
    path("orders/<str:number>/", views.order_confirmation, name="confirmation"),
]
