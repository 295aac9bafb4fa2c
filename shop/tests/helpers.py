"""Helpers shared by the apps' tests."""

from __future__ import annotations

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client


def staff_client(model: type[models.Model], *actions: str, staff: bool = True) -> Client:
    """A logged-in client of a new user holding ``actions`` ("view", "add", ...) on
    ``model``, and staff unless told otherwise."""
    user = User.objects.create_user(f"u{User.objects.count()}", password="pw-123456789")
    user.is_staff = staff
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            codename__in=[get_permission_codename(action, model._meta) for action in actions],
        )
    )
    client = Client()
    client.force_login(user)
    return client
