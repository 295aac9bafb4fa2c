from __future__ import annotations

from django.urls import path

from shop.assistant import views

app_name = "assistant"

urlpatterns = [
    path("ask/", views.ask, name="ask"),
    path("reset/", views.reset, name="reset"),
]
