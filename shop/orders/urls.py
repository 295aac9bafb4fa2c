from __future__ import annotations

from django.urls import path

from shop.orders import payment_views, views

app_name = "orders"
urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/status/", views.order_status, name="status"),
    path("orders/<str:number>/", views.order_confirmation, name="confirmation"),
    path("orders/<str:number>/invoice.pdf", views.order_invoice, name="invoice"),
    path("orders/<str:number>/pay/", payment_views.order_pay, name="pay"),
    path(
        "orders/<str:number>/pay/callback/",
        payment_views.order_pay_callback,
        name="pay-callback",
    ),
    path("payments/razorpay/webhook/", payment_views.razorpay_webhook, name="razorpay-webhook"),
]
