from __future__ import annotations

from django.urls import path

from shop.assistant.api import AssistantApi

urlpatterns = [
    path("assistant/", AssistantApi.as_view(), name="api-assistant"),
]
