from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from shop.health import worker_missing


def shop(request: HttpRequest) -> dict[str, object]:
    # Vectors from dev-tiny are random; shoppers and staff must be told.
    return {
        "embedding_model_is_dev_tiny": settings.SHOP_EMBEDDING_MODEL == "dev-tiny",
        # A callable: the query runs only where a template reads it (the admin's banner).
        "task_worker_missing": worker_missing,
    }
