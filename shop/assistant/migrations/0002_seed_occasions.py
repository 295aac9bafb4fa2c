"""Seed the occasions and their outfits; the merchant edits them in the admin."""

from __future__ import annotations

from django.db import migrations

# slug: (name, shopper words, catalog usages, note, {gender: article types})
OCCASIONS = {
    "beach": (
        "the beach",
        ["beach", "beaches", "pool", "poolside", "seaside", "goa", "resort"],
        ["Casual"],
        "Keep it light and breathable, and don't forget shade for your eyes.",
        {
            "": ["Tshirts", "Shorts", "Flip Flops", "Sunglasses"],
            "Men": ["Tshirts", "Shorts", "Flip Flops", "Sunglasses"],
            "Women": ["Dresses", "Flip Flops", "Sunglasses", "Handbags"],
        },
    ),
    "gym": (
        "the gym",
        [
            "gym",
            "workout",
            "workouts",
            "training",
            "exercise",
            "running",
            "jogging",
            "yoga",
            "fitness",
            "crossfit",
        ],
        ["Sports"],
        "Breathable layers and proper sports shoes matter more than anything else.",
        {
            "": ["Tshirts", "Track Pants", "Sports Shoes"],
            "Men": ["Tshirts", "Track Pants", "Sports Shoes"],
            "Women": ["Tshirts", "Track Pants", "Sports Shoes"],
        },
    ),
    "office": (
        "the office",
        [
            "office",
            "work",
            "interview",
            "meeting",
            "meetings",
            "business",
            "corporate",
            "presentation",
        ],
        ["Formal", "Smart Casual"],
        "Stick to two or three quiet colours and let one piece stand out.",
        {
            "Men": ["Shirts", "Trousers", "Formal Shoes", "Belts"],
            "Women": ["Shirts", "Trousers", "Heels", "Handbags"],
        },
    ),
    "wedding": (
        "a wedding",
        [
            "wedding",
            "weddings",
            "shaadi",
            "sangeet",
            "mehendi",
            "mehndi",
            "reception",
            "engagement",
            "boda",
        ],
        ["Ethnic", "Formal", "Party"],
        "Rich colours and traditional cuts suit a wedding; let the jewellery do the talking.",
        {
            "Men": ["Kurtas", "Formal Shoes", "Watches"],
            "Women": ["Sarees", "Heels", "Earrings", "Clutches"],
        },
    ),
    "party": (
        "a party",
        ["party", "parties", "clubbing", "club", "cocktail", "nightout", "fiesta"],
        ["Party", "Casual"],
        "One statement piece is enough; keep the rest simple.",
        {
            "Men": ["Shirts", "Jeans", "Casual Shoes", "Watches"],
            "Women": ["Dresses", "Heels", "Clutches", "Earrings"],
        },
    ),
    "date": (
        "a date",
        ["date", "dinner", "anniversary", "valentine", "valentines"],
        ["Casual", "Party"],
        "Pick what you feel most yourself in, and one detail that shows you made the effort.",
        {
            "Men": ["Shirts", "Jeans", "Casual Shoes"],
            "Women": ["Dresses", "Heels", "Handbags"],
        },
    ),
    "travel": (
        "travel",
        [
            "travel",
            "travelling",
            "traveling",
            "trip",
            "vacation",
            "holiday",
            "holidays",
            "flight",
            "airport",
            "trek",
            "viaje",
        ],
        ["Travel", "Casual"],
        "Comfortable layers and shoes you can walk in all day.",
        {
            "": ["Tshirts", "Jeans", "Casual Shoes", "Backpacks"],
            "Men": ["Tshirts", "Jeans", "Casual Shoes", "Backpacks"],
            "Women": ["Tops", "Jeans", "Casual Shoes", "Handbags"],
        },
    ),
    "festival": (
        "a festival",
        [
            "festival",
            "festive",
            "diwali",
            "eid",
            "holi",
            "navratri",
            "puja",
            "pooja",
            "pongal",
            "onam",
            "rakhi",
            "karwa",
        ],
        ["Ethnic"],
        "Ethnic wear in a festive colour, with comfortable footwear for the long day.",
        {
            "Men": ["Kurtas", "Sandals", "Watches"],
            "Women": ["Kurtas", "Flats", "Earrings", "Bangle"],
        },
    ),
    "casual": (
        "everyday wear",
        ["casual", "everyday", "daily", "weekend", "college", "school", "brunch", "outing"],
        ["Casual"],
        "Easy pieces in colours that go with each other.",
        {
            "": ["Tshirts", "Jeans", "Casual Shoes"],
            "Men": ["Tshirts", "Jeans", "Casual Shoes"],
            "Women": ["Tops", "Jeans", "Casual Shoes"],
        },
    ),
}


def seed(apps, schema_editor):
    Occasion = apps.get_model("assistant", "Occasion")
    OutfitTemplate = apps.get_model("assistant", "OutfitTemplate")
    for slug, (name, words, usages, note, outfits) in OCCASIONS.items():
        occasion, _created = Occasion.objects.update_or_create(
            slug=slug, defaults={"name": name, "words": words, "usages": usages, "note": note}
        )
        for gender, types in outfits.items():
            OutfitTemplate.objects.update_or_create(
                occasion=occasion, gender=gender, defaults={"article_types": types}
            )


def unseed(apps, schema_editor):
    apps.get_model("assistant", "Occasion").objects.filter(slug__in=OCCASIONS).delete()


class Migration(migrations.Migration):
    dependencies = [("assistant", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
