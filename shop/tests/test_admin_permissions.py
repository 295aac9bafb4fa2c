"""Every admin action declares the permission it needs; view-only staff can look, not act."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client, RequestFactory
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.cart.tests.factories import product_make, variant_of
from shop.orders.models import Order, OrderStatus
from shop.orders.services import order_place
from shop.orders.tests.helpers import DETAILS, cart_with, token

pytestmark = pytest.mark.django_db

JOBS = "/admin/procrastinate/procrastinatejob/"
ORDERS = "/admin/orders/order/"


@pytest.fixture
def viewer() -> User:
    user = User.objects.create_user("viewer", "viewer@example.com", "pw-123456789", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.fixture
def viewer_client(viewer: User) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


def _registered() -> list[tuple[type, admin.ModelAdmin]]:
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def test_every_registered_admin_action_declares_its_permissions():
    undeclared = [
        f"{model._meta.label}.{name}"
        for model, model_admin in _registered()
        for func, name, _description in model_admin._get_base_actions()
        if not getattr(func, "allowed_permissions", None)
    ]
    assert undeclared == []


def test_a_view_only_user_is_offered_no_action_on_any_admin(viewer):
    request = RequestFactory().get("/admin/")
    request.user = viewer
    offered = {}
    for model, model_admin in _registered():
        assert model_admin.has_view_permission(request), model._meta.label
        actions = model_admin.get_actions(request)
        if actions:
            offered[model._meta.label] = sorted(actions)
    assert offered == {}


def test_a_view_only_user_sees_every_admin_list(viewer_client):
    for model, _model_admin in _registered():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert viewer_client.get(url).status_code == 200, url


def _order(product) -> Order:
    return order_place(
        cart_id=cart_with((product, "M", 2)).pk, details=DETAILS, checkout_token=token()
    )


def test_a_view_only_user_cannot_cancel_or_confirm_orders(viewer_client):
    product = product_make(stock=5)
    order = _order(product)
    for action in ("mark_cancelled", "mark_confirmed"):
        viewer_client.post(ORDERS, {"action": action, "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert variant_of(product, "M").stock == 3


def test_the_order_change_page_renders_read_only_for_a_view_only_user(viewer_client):
    order = _order(product_make())
    response = viewer_client.get(f"{ORDERS}{order.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html and "Placed" in html
    assert '<select name="status"' not in html
    refused = viewer_client.post(f"{ORDERS}{order.pk}/change/", {"status": "cancelled"})
    assert refused.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def _job() -> ProcrastinateJob:
    from shop.orders.tasks import send_order_confirmation

    return ProcrastinateJob.objects.get(pk=send_order_confirmation.defer(order_id=0))


def test_a_view_only_user_cannot_cancel_retry_or_abort_jobs(viewer_client):
    job = _job()
    for action in ("cancel", "abort", "retry"):
        viewer_client.post(JOBS, {"action": action, "_selected_action": [job.pk]})
    job.refresh_from_db()
    assert job.status == "todo"


def test_staff_allowed_to_change_jobs_can_still_cancel_one(viewer, viewer_client):
    viewer.user_permissions.add(Permission.objects.get(codename="change_procrastinatejob"))
    job = _job()
    viewer_client.post(JOBS, {"action": "cancel", "_selected_action": [job.pk]})
    job.refresh_from_db()
    assert job.status == "cancelled"
