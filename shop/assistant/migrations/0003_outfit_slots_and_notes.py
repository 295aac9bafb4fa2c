"""Outfits as slots, clothing first, with a styling note per gender (issue 23).

Seeded templates that the merchant has not edited (still as 0002 left them) become
slots; the occasions get the shopper words for runs and races and birthdays.
"""

from __future__ import annotations

import django.contrib.postgres.fields
from django.db import migrations, models

# (occasion, gender): (0002's article types, slots, note)
OUTFITS = {
    ("beach", ""): (
        ["Tshirts", "Shorts", "Flip Flops", "Sunglasses"],
        ["Tshirts", "Shorts", "Flip Flops | Sandals", "Sunglasses"],
        "",
    ),
    ("beach", "Men"): (
        ["Tshirts", "Shorts", "Flip Flops", "Sunglasses"],
        ["Tshirts | Shirts", "Shorts", "Flip Flops | Sandals", "Sunglasses"],
        "",
    ),
    ("beach", "Women"): (
        ["Dresses", "Flip Flops", "Sunglasses", "Handbags"],
        ["Dresses | Jumpsuit", "Flip Flops | Sandals | Flats", "Sunglasses", "Handbags"],
        "",
    ),
    ("gym", ""): (
        ["Tshirts", "Track Pants", "Sports Shoes"],
        ["Tshirts", "Track Pants | Shorts", "Sports Shoes"],
        "",
    ),
    ("gym", "Men"): (
        ["Tshirts", "Track Pants", "Sports Shoes"],
        ["Tshirts", "Track Pants | Shorts", "Sports Shoes"],
        "",
    ),
    ("gym", "Women"): (
        ["Tshirts", "Track Pants", "Sports Shoes"],
        ["Tshirts | Tops", "Track Pants | Leggings", "Sports Shoes"],
        "",
    ),
    ("office", "Men"): (
        ["Shirts", "Trousers", "Formal Shoes", "Belts"],
        ["Shirts", "Trousers", "Formal Shoes", "Belts"],
        "Stick to two or three quiet colours; match the belt to the shoes.",
    ),
    ("office", "Women"): (
        ["Shirts", "Trousers", "Heels", "Handbags"],
        ["Shirts | Tops | Kurtas", "Trousers | Skirts", "Heels | Flats", "Handbags"],
        "Stick to two or three quiet colours and let one piece stand out.",
    ),
    ("wedding", "Men"): (
        ["Kurtas", "Formal Shoes", "Watches"],
        ["Kurtas | Shirts", "Trousers", "Formal Shoes", "Watches | Cufflinks"],
        "A rich colour or a crisp cut up top, polished shoes, and a classic watch to finish.",
    ),
    ("wedding", "Women"): (
        ["Sarees", "Heels", "Earrings", "Clutches"],
        [
            "Sarees | Kurta Sets | Dresses",
            "Heels | Flats | Sandals",
            "Earrings | Jewellery Set | Necklace and Chains",
            "Clutches | Handbags",
        ],
        "Rich colours and traditional cuts suit a wedding; let the jewellery do the talking.",
    ),
    ("party", "Men"): (
        ["Shirts", "Jeans", "Casual Shoes", "Watches"],
        ["Shirts | Tshirts", "Jeans | Trousers", "Casual Shoes", "Watches"],
        "",
    ),
    ("party", "Women"): (
        ["Dresses", "Heels", "Clutches", "Earrings"],
        ["Dresses | Jumpsuit", "Heels | Flats", "Clutches | Handbags", "Earrings"],
        "",
    ),
    ("date", "Men"): (
        ["Shirts", "Jeans", "Casual Shoes"],
        ["Shirts", "Jeans | Trousers", "Casual Shoes", "Watches"],
        "",
    ),
    ("date", "Women"): (
        ["Dresses", "Heels", "Handbags"],
        ["Dresses | Jumpsuit", "Heels | Flats", "Handbags | Clutches"],
        "",
    ),
    ("travel", ""): (
        ["Tshirts", "Jeans", "Casual Shoes", "Backpacks"],
        ["Tshirts", "Jeans | Trousers", "Casual Shoes | Sports Shoes", "Backpacks"],
        "",
    ),
    ("travel", "Men"): (
        ["Tshirts", "Jeans", "Casual Shoes", "Backpacks"],
        ["Tshirts", "Jeans | Trousers", "Casual Shoes | Sports Shoes", "Backpacks"],
        "",
    ),
    ("travel", "Women"): (
        ["Tops", "Jeans", "Casual Shoes", "Handbags"],
        ["Tops | Tshirts", "Jeans | Trousers", "Casual Shoes | Sports Shoes", "Handbags"],
        "",
    ),
    ("festival", "Men"): (
        ["Kurtas", "Sandals", "Watches"],
        ["Kurtas | Shirts", "Trousers | Jeans", "Sandals | Casual Shoes", "Watches"],
        "A kurta in a festive colour, easy footwear for the long day, and a watch to finish.",
    ),
    ("festival", "Women"): (
        ["Kurtas", "Flats", "Earrings", "Bangle"],
        [
            "Kurtas | Kurta Sets | Kurtis",
            "Leggings | Patiala",
            "Flats | Sandals",
            "Earrings",
            "Bangle",
        ],
        "Ethnic wear in a festive colour, comfortable flats, and jewellery to finish.",
    ),
    ("casual", ""): (
        ["Tshirts", "Jeans", "Casual Shoes"],
        ["Tshirts", "Jeans | Shorts", "Casual Shoes"],
        "",
    ),
    ("casual", "Men"): (
        ["Tshirts", "Jeans", "Casual Shoes"],
        ["Tshirts | Shirts", "Jeans | Shorts", "Casual Shoes"],
        "",
    ),
    ("casual", "Women"): (
        ["Tops", "Jeans", "Casual Shoes"],
        ["Tops | Tshirts", "Jeans | Capris", "Casual Shoes | Flats"],
        "",
    ),
}
# The occasion's own note, where 0002's spoke to one gender only.
NOTES = {
    "wedding": (
        "Rich colours and traditional cuts suit a wedding; let the jewellery do the talking.",
        "Rich colours and traditional cuts suit a wedding.",
    ),
}
WORDS = {
    "gym": ["run", "runs", "race", "marathon", "half marathon", "jog", "sprint", "athletics"],
    "party": ["birthday", "birthdays", "celebration"],
}


def forwards(apps, schema_editor):
    Occasion = apps.get_model("assistant", "Occasion")
    OutfitTemplate = apps.get_model("assistant", "OutfitTemplate")
    for (slug, gender), (seeded, slots, note) in OUTFITS.items():
        template = OutfitTemplate.objects.filter(occasion__slug=slug, gender=gender).first()
        if template is not None and list(template.article_types) == seeded:
            template.article_types = slots
            template.note = note
            template.save(update_fields=["article_types", "note"])
    for slug, (seeded, note) in NOTES.items():
        Occasion.objects.filter(slug=slug, note=seeded).update(note=note)
    for slug, words in WORDS.items():
        occasion = Occasion.objects.filter(slug=slug).first()
        if occasion is not None:
            occasion.words = [*occasion.words, *(x for x in words if x not in occasion.words)]
            occasion.save(update_fields=["words"])


def backwards(apps, schema_editor):
    OutfitTemplate = apps.get_model("assistant", "OutfitTemplate")
    for (slug, gender), (seeded, slots, _note) in OUTFITS.items():
        OutfitTemplate.objects.filter(
            occasion__slug=slug, gender=gender, article_types=slots
        ).update(article_types=seeded, note="")


class Migration(migrations.Migration):
    dependencies = [("assistant", "0002_seed_occasions")]

    operations = [
        migrations.AddField(
            model_name="outfittemplate",
            name="note",
            field=models.CharField(
                blank=True,
                help_text="A styling note for this gender's outfit (else the occasion's note).",
                max_length=200,
            ),
        ),
        migrations.AlterField(
            model_name="outfittemplate",
            name="article_types",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=200),
                help_text=(
                    "One slot per entry, clothing first (top and bottom, or a one-piece), then "
                    "footwear, then accessories. A slot may hold several article types "
                    'separated by "|", in order of preference: "Heels | Flats | Sandals".'
                ),
                size=None,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
