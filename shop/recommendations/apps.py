from __future__ import annotations

from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "shop.recommendations"
    verbose_name = "Recommendations"
