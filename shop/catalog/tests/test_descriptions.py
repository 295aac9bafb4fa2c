"""Descriptions show clean text: the known mojibake families are repaired or dropped,
on import, on the product page and in the API, including text stored before a repair."""

from __future__ import annotations

import pytest

from shop.catalog.descriptions import description_clean
from shop.catalog.models import Product

MOJIBAKE = [
    # A no-break space's UTF-8 bytes read as Latin-1, raw and as nh3's entity.
    ("<p>Soft cotton\u00c2\u00a0fabric</p>", "<p>Soft cotton&nbsp;fabric</p>"),
    ("<p>Soft cotton\u00c2&nbsp;fabric</p>", "<p>Soft cotton&nbsp;fabric</p>"),
    ("<p>Soft cotton\u00c2&#160;fabric</p>", "<p>Soft cotton&nbsp;fabric</p>"),
    ("<p>Size\u00c2\u00a0M\u00c2\u00a0fits</p>", "<p>Size&nbsp;M&nbsp;fits</p>"),
    # Windows-1252 readings of punctuation and accents.
    ("<p>It\u00e2\u20ac\u2122s great</p>", "<p>It\u2019s great</p>"),
    ("<p>10\u00e2\u20ac\u201c12 cm</p>", "<p>10\u201312 cm</p>"),
    ("<p>Caf\u00c3\u00a9 style</p>", "<p>Caf\u00e9 style</p>"),
    # Encoded twice.
    (
        "<p>It\u00c3\u00a2\u00e2\u201a\u00ac\u00e2\u201e\u00a2s double</p>",
        "<p>It\u2019s double</p>",
    ),
    # Lost characters: nothing to repair, so dropped, words kept apart.
    ("<p>5'8\u00e2\u20ac\ufffdand</p>", "<p>5'8 and</p>"),
    ("<p>Tote bag\u00c3?\u00c2?\u00c3?\u00c2? and</p>", "<p>Tote bag and</p>"),
    # A byte-order mark, read as Latin-1 or kept.
    ("<p>\u00ef\u00bb\u00bfHello</p>", "<p>Hello</p>"),
    ("<p>\ufeffHello</p>", "<p>Hello</p>"),
]
LEFT_OVERS = ("\u00c2", "\u00c3", "\u00e2\u20ac", "\ufffd", "\ufeff")


@pytest.mark.parametrize(("dirty", "clean"), MOJIBAKE)
def test_each_known_mojibake_family_is_repaired_or_dropped(dirty: str, clean: str):
    assert description_clean(dirty) == clean
    # Cleaning clean text changes nothing.
    assert description_clean(clean) == clean


@pytest.mark.django_db
def test_a_description_stored_dirty_is_shown_clean_on_the_page_and_in_the_api(client):
    product = Product.objects.order_by("id").first()
    dirty = "<p>Soft cotton\u00c2&nbsp;fabric, it\u00e2\u20ac\u2122s light</p>"
    Product.objects.filter(pk=product.pk).update(description=dirty)
    page = client.get(product.get_absolute_url(), follow=True)
    api = client.get(f"/api/products/{product.pk}/")
    assert page.status_code == 200 and api.status_code == 200
    html = page.content.decode()
    assert "Soft cotton&nbsp;fabric, it\u2019s light" in html
    assert "Soft cotton&nbsp;fabric, it\u2019s light" in api.json()["description"]
    for left_over in LEFT_OVERS:
        assert left_over not in html
        assert left_over not in api.json()["description"]


@pytest.mark.django_db
def test_the_migration_cleans_stored_text_and_keeps_the_merchants_edits_apart():
    from importlib import import_module

    from django.apps import apps

    repair = import_module("shop.catalog.migrations.0010_descriptions_repaired").repair
    imported, edited = Product.objects.order_by("id")[:2]
    dirty = "<p>Soft cotton\u00c2&nbsp;fabric</p>"
    Product.objects.filter(pk=imported.pk).update(
        description=dirty, imported_values={"description": dirty}
    )
    Product.objects.filter(pk=edited.pk).update(
        size_fit=dirty, imported_values={"size_fit": "<p>What the import wrote</p>"}
    )
    repair(apps, None)
    imported.refresh_from_db()
    edited.refresh_from_db()
    assert imported.description == "<p>Soft cotton&nbsp;fabric</p>"
    # Still read as imported (not as a merchant's edit), so re-imports update it.
    assert imported.imported_values["description"] == imported.description
    assert edited.size_fit == "<p>Soft cotton&nbsp;fabric</p>"
    assert edited.imported_values["size_fit"] == "<p>What the import wrote</p>"
