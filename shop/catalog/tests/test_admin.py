from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from shop.catalog.models import Brand, Category, Product, ProductVariant
from shop.search.encoder import current_model_id
from shop.search.selectors import ProductFilters, product_list

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/product/"


def _found(q: str) -> set[int]:
    return set(product_list(filters=ProductFilters(), q=q).values_list("pk", flat=True))


def _sizes_form(product: Product, **changes: object) -> dict[str, object]:
    """The size (variant) inline's fields as the change form posts them."""
    variants = list(product.variants.all())
    data: dict[str, object] = {
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(len(variants)),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for i, v in enumerate(variants):
        data |= {
            f"variants-{i}-id": str(v.pk),
            f"variants-{i}-product": str(product.pk),
            f"variants-{i}-size": v.size,
            f"variants-{i}-sku": v.sku,
            f"variants-{i}-stock": "" if v.stock is None else str(v.stock),
            f"variants-{i}-position": str(v.position),
            f"variants-{i}-is_active": "on" if v.is_active else "",
        }
    data.update(changes)
    return {k: v for k, v in data.items() if v != "" or k.endswith("-stock")}


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
        "_save": "Save",
    }
    data.update(changes)
    data = {k: v for k, v in data.items() if v != "" or k in ("price", "year")}
    return data | _sizes_form(product)


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


def test_staff_can_take_products_off_sale_from_the_list(admin_client):
    products = list(Product.objects.order_by("name", "id")[:2])
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "_save": "Save",
    }
    for i, product in enumerate(products):
        data |= {f"form-{i}-id": str(product.pk), f"form-{i}-is_active": "" if i == 0 else "on"}

    response = admin_client.post(CHANGELIST, data)

    assert response.status_code == 302
    assert [Product.objects.get(pk=p.pk).is_active for p in products] == [False, True]


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
    } | _sizes_form(product)


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


# Commerce: brands, prices, sizes, attribute choices, descriptions ------------------------


def _sell(product: Product, **fields: object) -> Product:
    Product.objects.filter(pk=product.pk).update(**fields)
    product.refresh_from_db()
    return product


def test_the_list_shows_brand_price_and_list_price_formatted_and_filters_by_brand(admin_client):
    brand = Brand.objects.create(name="Quokka", slug="quokka")
    product = _sell(
        Product.objects.get(external_id="1165"),
        brand=brand,
        price=Decimal("124999.00"),
        list_price=Decimal("249999.50"),
    )

    response = admin_client.get(CHANGELIST, {"brand__id__exact": brand.pk})

    assert list(response.context["cl"].result_list) == [product]
    content = response.content.decode()
    assert "₹1,24,999" in content and "₹2,49,999.50" in content
    assert "Quokka" in content


def test_the_change_form_lists_sizes_and_saves_their_stock(admin_client):
    product = Product.objects.get(external_id="1165")
    ProductVariant.objects.create(product=product, size="XL", sku="1165-XL", position=1)
    page = admin_client.get(f"/admin/catalog/product/{product.pk}/change/")
    assert "1165-XL" in page.content.decode()
    assert page.context["inline_admin_formsets"][0].formset.total_form_count() == 2

    data = _change_form(product)
    data["variants-1-stock"] = "7"
    data["variants-0-is_active"] = ""
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [(v.size, v.stock, v.is_active) for v in product.variants.all()] == [
        ("One size", None, False),
        ("XL", 7, True),
    ]


def test_sizes_saved_sold_out_in_the_admin_make_the_product_unbuyable_and_back(admin_client):
    product = Product.objects.get(external_id="1165")
    ProductVariant.objects.create(product=product, size="XL", sku="1165-XL", position=1, stock=2)
    url = f"/admin/catalog/product/{product.pk}/change/"
    product.refresh_from_db()
    assert product.in_stock

    data = _change_form(product) | {"variants-0-stock": "0", "variants-1-is_active": ""}
    assert admin_client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert not product.in_stock

    data = _change_form(product) | {"variants-1-stock": "5", "variants-1-is_active": "on"}
    assert admin_client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.in_stock


def test_a_negative_stock_is_a_form_error(admin_client):
    product = Product.objects.get(external_id="1165")
    data = _change_form(product)
    data["variants-0-stock"] = "-3"

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", data)

    assert response.status_code == 200
    assert product.variants.get().stock is None


def test_shopper_facing_attributes_are_chosen_from_the_catalogs_values(admin_client):
    product = Product.objects.get(external_id="1165")

    form = admin_client.get(f"/admin/catalog/product/{product.pk}/change/").context["adminform"]

    choices = [value for value, _label in form.form.fields["base_colour"].choices]
    assert choices[0] == ""
    assert set(choices[1:]) == set(
        Product.objects.exclude(base_colour="").values_list("base_colour", flat=True)
    )
    assert "Summer" in dict(form.form.fields["season"].choices)
    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/", _change_form(product, base_colour="Bleu")
    )
    assert response.status_code == 200
    assert "base_colour" in response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.base_colour == "Blue"


def test_a_description_typed_in_the_admin_is_sanitised_on_save(admin_client):
    product = Product.objects.get(external_id="1165")
    html = (
        '<p style="color:red">Soft <a href="https://elsewhere.example">cotton</a>'
        "<script>alert(1)</script></p><ul><li><b>Light</b></li></ul>"
    )

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/", _change_form(product, description=html)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.description == "<p>Soft cotton</p><ul><li><b>Light</b></li></ul>"
    assert product.pk in _found("cotton")


def test_a_list_price_below_the_price_is_refused(admin_client):
    product = Product.objects.get(external_id="1165")

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/",
        _change_form(product, price="999", list_price="500"),
    )

    assert response.status_code == 200
    assert "list_price" in response.context["adminform"].form.errors


def test_brands_are_searchable_and_offered_by_autocomplete(admin_client):
    Brand.objects.create(name="Quokka", slug="quokka")
    Brand.objects.create(name="Wombat", slug="wombat")

    listing = admin_client.get("/admin/catalog/brand/", {"q": "quok"})
    autocomplete = admin_client.get(
        "/admin/autocomplete/",
        {"term": "wom", "app_label": "catalog", "model_name": "product", "field_name": "brand"},
    )

    assert listing.context["cl"].result_count == 1
    assert [r["text"] for r in autocomplete.json()["results"]] == ["Wombat"]


def test_renaming_a_brand_makes_its_products_findable_by_the_new_name(admin_client):
    brand = Brand.objects.create(name="Quokka", slug="quokka")
    product = _sell(Product.objects.get(external_id="1165"), brand=brand)

    response = admin_client.post(
        f"/admin/catalog/brand/{brand.pk}/change/",
        {"name": "Zephyrbrand", "slug": "quokka", "_save": "Save"},
    )

    assert response.status_code == 302
    assert _found("Zephyrbrand") == {product.pk}


@pytest.mark.parametrize(
    ("posted", "saved"),
    [("{}", {}), ('{"Fit": "Slim Fit"}', {"Fit": "Slim Fit"}), ('["Slim"]', None)],
)
def test_attributes_are_names_and_texts(admin_client, posted: str, saved: dict | None):
    product = Product.objects.get(external_id="1165")
    Product.objects.filter(pk=product.pk).update(attributes={"Fabric": "Cotton"})

    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/", _change_form(product, attributes=posted)
    )

    product.refresh_from_db()
    if saved is None:
        assert response.status_code == 200
        assert "attributes" in response.context["adminform"].form.errors
        assert product.attributes == {"Fabric": "Cotton"}
    else:
        assert response.status_code == 302
        assert product.attributes == saved


def test_the_list_shows_stock_and_filters_by_it(admin_client):
    sold_out, low, plenty = Product.objects.order_by("id")[:3]
    for product, stocks in ((sold_out, (0, 0)), (low, (2, 0)), (plenty, (20, 5))):
        product.variants.all().delete()
        for i, stock in enumerate(stocks):
            ProductVariant.objects.create(
                product=product, size=f"S{i}", sku=f"{product.external_id}-S{i}", stock=stock
            )

    content = admin_client.get(CHANGELIST, {"q": sold_out.name}).content.decode()
    assert '<td class="field-stock_shown">sold out</td>' in content

    def ids(stock: str) -> set[int]:
        response = admin_client.get(CHANGELIST, {"stock": stock})
        return {p.pk for p in response.context["cl"].queryset}

    assert sold_out.pk in ids("out") and low.pk not in ids("out") and plenty.pk not in ids("out")
    assert low.pk in ids("low") and plenty.pk not in ids("low")
    assert plenty.pk in ids("in") and low.pk in ids("in") and sold_out.pk not in ids("in")


def test_sizes_and_stock_come_right_after_name_and_price_on_the_change_form(admin_client):
    product = Product.objects.first()
    content = admin_client.get(f"{CHANGELIST}{product.pk}/change/").content.decode()
    sizes = content.index('id="variants-group"')
    assert content.index('name="price"') < sizes < content.index('name="description"')
    assert sizes < content.index("image_sha256")
    # The photo shows as a picture, not as a path.
    assert f'<img src="{product.thumbnail.url}"' in content


def test_brands_sort_without_regard_to_case(admin_client):
    for name in ("adidas", "Puma", "ZARA", "bata"):
        Brand.objects.create(name=name, slug=name.lower())
    response = admin_client.get("/admin/catalog/brand/")
    names = [brand.name for brand in response.context["cl"].result_list]
    assert names == sorted(names, key=str.lower)


def test_the_admin_says_searches_not_searchs(admin_client):
    content = admin_client.get("/admin/").content.decode()
    assert ">Searches</a>" in content and "Searchs" not in content
