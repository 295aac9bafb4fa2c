from __future__ import annotations

from pathlib import Path

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.catalog.encoder import current_model_id
from shop.catalog.models import Category, Product
from shop.catalog.selectors import ProductFilters, product_list

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/product/"


def _found(q: str) -> set[int]:
    return set(product_list(filters=ProductFilters(), q=q).values_list("pk", flat=True))


def _change_form(product: Product, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": product.name,
        "external_id": product.external_id,
        "category": product.category_id,
        "is_active": "on" if product.is_active else "",
        "gender": product.gender,
        "base_colour": product.base_colour,
        "season": product.season,
        "year": product.year or "",
        "usage": product.usage,
        "price": product.price or "",
        "stock": product.stock if product.stock is not None else "",
        "_save": "Save",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != "" or k in ("price", "stock", "year")}


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/admin/catalog/product/")


def test_a_shopper_without_staff_rights_is_sent_to_the_login_page(client, django_user_model):
    user = django_user_model.objects.create_user(username="shopper", password="pw-12345678")
    client.force_login(user)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_can_list_products(admin_client):
    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert response.context["cl"].result_count == Product.objects.count() == 80
    first = Product.objects.order_by("name", "id").first()
    assert first.name in response.content.decode()


@pytest.mark.parametrize(
    ("params", "lookup"),
    [
        ({"gender__exact": "Men"}, {"gender": "Men"}),
        ({"is_active__exact": "1"}, {"is_active": True}),
        (
            {"category__master_category__exact": "Apparel"},
            {"category__master_category": "Apparel"},
        ),
        ({"season__exact": "Summer"}, {"season": "Summer"}),
        ({"usage__exact": "Casual"}, {"usage": "Casual"}),
    ],
)
def test_staff_can_filter_products(admin_client, params, lookup):
    response = admin_client.get(CHANGELIST, params)

    assert response.status_code == 200
    assert response.context["cl"].result_count == Product.objects.filter(**lookup).count() > 0


def test_staff_can_filter_products_by_article_type(admin_client):
    category = Category.objects.filter(products__isnull=False).first()

    response = admin_client.get(CHANGELIST, {"category__id__exact": category.pk})

    assert response.status_code == 200
    assert response.context["cl"].result_count == category.products.count()


def test_staff_can_search_products(admin_client):
    response = admin_client.get(CHANGELIST, {"q": "puma"})

    assert response.status_code == 200
    expected = Product.objects.filter(name__icontains="puma").count()
    assert response.context["cl"].result_count == expected > 0


def test_staff_can_open_a_product(admin_client):
    product = Product.objects.get(external_id="1165")

    response = admin_client.get(f"/admin/catalog/product/{product.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Nike Mean Team India Cricket Jersey" in content
    assert product.thumbnail.url in content


def test_staff_can_list_categories_with_their_product_counts(admin_client):
    response = admin_client.get("/admin/catalog/category/")

    assert response.status_code == 200
    assert response.context["cl"].result_count == Category.objects.count()
    assert b"Tshirts" in response.content


def test_saving_a_product_in_the_admin_makes_its_new_name_findable(admin_client):
    product = Product.objects.get(external_id="1165")
    assert product.pk not in _found("Zephyrquartz")

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        _change_form(product, name="Zephyrquartz Cricket Jersey", price="1499.00"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.name == "Zephyrquartz Cricket Jersey"
    assert str(product.price) == "1499.00"
    assert product.image  # the photo is kept when none is uploaded
    assert _found("Zephyrquartz") == {product.pk}


def test_renaming_a_category_in_the_admin_makes_its_products_findable_by_the_new_name(
    admin_client,
):
    category = Category.objects.get(name="Tshirts")
    ids = set(category.products.values_list("pk", flat=True))
    assert ids

    response = admin_client.post(
        f"/admin/catalog/category/{category.pk}/change/",
        {
            "name": "Quokkawear",
            "slug": category.slug,
            "master_category": category.master_category,
            "sub_category": category.sub_category,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert _found("Quokkawear") == ids


def test_staff_can_change_prices_from_the_list(admin_client):
    products = list(Product.objects.order_by("name", "id")[:2])
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "_save": "Save",
    }
    for i, product in enumerate(products):
        data |= {
            f"form-{i}-id": str(product.pk),
            f"form-{i}-price": "250.00" if i == 0 else "",
            f"form-{i}-stock": "7" if i == 0 else "",
            f"form-{i}-is_active": "on",
        }

    response = admin_client.post(CHANGELIST, data)

    assert response.status_code == 302
    products[0].refresh_from_db()
    assert str(products[0].price) == "250.00"
    assert products[0].stock == 7


@pytest.mark.django_db
def test_the_re_embed_action_queues_a_job_and_embeds_nothing_in_the_request(admin_client) -> None:
    # shop/jobs/tests/test_admin_jobs.py runs the worker that completes it.
    chosen = list(Product.objects.order_by("id").values_list("id", flat=True)[:11])
    before = dict(Product.objects.filter(id__in=chosen).values_list("id", "embedded_at"))
    response = admin_client.post(
        "/admin/catalog/product/",
        {"action": "re_embed", "_selected_action": chosen},
        follow=True,
    )
    assert b"11 products queued for re-embedding" in response.content
    assert dict(Product.objects.filter(id__in=chosen).values_list("id", "embedded_at")) == before
    assert ProcrastinateJob.objects.filter(task_name="shop.jobs.tasks.embed_shard").exists()


@pytest.mark.django_db
def test_the_embedding_filter_separates_current_other_and_missing(admin_client) -> None:
    first, second = Product.objects.order_by("id")[:2]
    Product.objects.filter(pk=first.pk).update(embedding_model="some-older-model")
    Product.objects.filter(pk=second.pk).update(embedding=None, embedding_model="")
    other = admin_client.get("/admin/catalog/product/?embedding=other")
    missing = admin_client.get("/admin/catalog/product/?embedding=none")
    current = admin_client.get("/admin/catalog/product/?embedding=current")
    assert list(other.context["cl"].result_list) == [first]
    assert list(missing.context["cl"].result_list) == [second]
    assert current.context["cl"].result_count == Product.objects.count() - 2


def _change_form_data(product) -> dict:
    return {
        "name": product.name,
        "external_id": product.external_id,
        "category": product.category_id,
        "is_active": "on",
        "gender": product.gender,
        "base_colour": product.base_colour,
        "season": product.season,
        "year": product.year or "",
        "usage": product.usage,
        "price": "",
        "stock": "",
    }


@pytest.mark.django_db
def test_a_new_photo_from_the_admin_is_re_encoded_and_clears_the_embedding(admin_client) -> None:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    product = Product.objects.embedded_with(current_model_id()).order_by("id").first()
    polyglot = (
        settings.SHOP_SHARED_DIR / "data" / "bad-images" / "selfmade_polyglot_png_then_html.png"
    )
    raw = polyglot.read_bytes()
    data = _change_form_data(product)
    data["new_photo"] = SimpleUploadedFile("new.png", raw)
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    product.refresh_from_db()
    stored = Path(product.image.path).read_bytes()
    assert stored[:3] == b"\xff\xd8\xff"  # our JPEG, not the uploaded PNG
    assert b"<html" not in stored.lower() and b"<script" not in stored.lower()
    assert product.embedding is None and product.embedding_model == ""
    assert not product.query_embeddings.exists()


@pytest.mark.django_db
def test_a_bad_photo_in_the_admin_is_a_form_error_and_changes_nothing(admin_client) -> None:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    product = Product.objects.order_by("id").first()
    before = (product.image.name, product.image_sha256)
    gif = settings.SHOP_SHARED_DIR / "data" / "bad-images" / "decompression_bomb.gif"
    data = _change_form_data(product)
    data["new_photo"] = SimpleUploadedFile("bomb.gif", gif.read_bytes())
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)
    assert response.status_code == 200
    assert "JPEG, PNG or WebP" in response.content.decode()
    product.refresh_from_db()
    assert (product.image.name, product.image_sha256) == before


@pytest.mark.django_db
def test_the_admin_offers_no_raw_file_field_for_images(admin_client) -> None:
    product = Product.objects.order_by("id").first()
    form = admin_client.get(f"/admin/catalog/product/{product.pk}/change/").context["adminform"]
    assert "image" not in form.form.fields and "thumbnail" not in form.form.fields
    assert "new_photo" in form.form.fields


def test_view_only_staff_cannot_run_the_re_embed_action(client, django_user_model) -> None:
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(viewer)
    chosen = list(Product.objects.order_by("id").values_list("id", flat=True)[:11])

    listing = client.get(CHANGELIST)
    response = client.post(CHANGELIST, {"action": "re_embed", "_selected_action": chosen})

    assert listing.status_code == 200
    assert b"re_embed" not in listing.content
    assert response.status_code in (200, 302, 403)
    assert Product.objects.needing_embedding(current_model_id()).count() == 0
