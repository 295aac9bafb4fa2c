"""Seed the shopper vocabulary's synonyms; the merchant edits them in the admin.

Targets are the catalog's own values (article types, colours, genders, occasions);
a target the catalog does not carry is simply unused until it does.
"""

from __future__ import annotations

from django.db import migrations

SHOES = ["Sports Shoes", "Casual Shoes"]
JEWELLERY = ["Earrings", "Necklace and Chains", "Pendant", "Ring", "Bangle"]

# term -> targets (one-way: the term means each target).
ONE_WAY: dict[str, list[str]] = {
    # shoes
    "sneakers": SHOES,
    "trainers": SHOES,
    "kicks": SHOES,
    "running shoes": ["Sports Shoes"],
    "loafers": ["Casual Shoes", "Formal Shoes"],
    "oxfords": ["Formal Shoes"],
    "brogues": ["Formal Shoes"],
    "dress shoes": ["Formal Shoes"],
    "stilettos": ["Heels"],
    "pumps": ["Heels"],
    "slippers": ["Flip Flops"],
    "chappals": ["Sandals", "Flip Flops"],
    "slides": ["Flip Flops", "Sports Sandals"],
    # tops
    "tee": ["Tshirts"],
    "tee shirt": ["Tshirts"],
    "polo": ["Tshirts"],
    "jersey": ["Tshirts"],
    "blouse": ["Tops"],
    "crop top": ["Tops"],
    "hoodie": ["Sweatshirts"],
    "pullover": ["Sweatshirts", "Sweaters"],
    "jumper": ["Sweaters"],
    "cardigan": ["Sweaters"],
    "frock": ["Dresses"],
    "sari": ["Sarees"],
    "kurti": ["Kurtis"],
    # bottoms
    "pants": ["Trousers"],
    "chinos": ["Trousers"],
    "slacks": ["Trousers"],
    "denim": ["Jeans"],
    "joggers": ["Track Pants"],
    "sweatpants": ["Track Pants"],
    "trackpants": ["Track Pants"],
    # outerwear, swim and sleep
    "raincoat": ["Rain Jacket"],
    "swimsuit": ["Swimwear"],
    "bikini": ["Swimwear"],
    "bathing suit": ["Swimwear"],
    "swimming costume": ["Swimwear"],
    "swim trunks": ["Swimwear"],
    "swim shorts": ["Swimwear"],
    "pyjamas": ["Night suits", "Lounge Pants"],
    "pajamas": ["Night suits", "Lounge Pants"],
    "nightie": ["Nightdress"],
    "lingerie": ["Bra", "Briefs"],
    "underwear": ["Briefs", "Boxers", "Trunk", "Bra"],
    # accessories
    "purse": ["Handbags", "Clutches", "Wallets"],
    "tote": ["Handbags"],
    "rucksack": ["Backpacks"],
    "shades": ["Sunglasses"],
    "sunnies": ["Sunglasses"],
    "necktie": ["Ties"],
    "beanie": ["Caps"],
    "mittens": ["Gloves"],
    "jewelry": JEWELLERY,
    "jewellery": JEWELLERY,
    "fragrance": ["Perfume and Body Mist", "Deodorant"],
    "deo": ["Deodorant"],
    # genders, colours, occasions
    "man": ["Men"],
    "male": ["Men"],
    "gents": ["Men"],
    "guys": ["Men"],
    "woman": ["Women"],
    "female": ["Women"],
    "ladies": ["Women"],
    "lady": ["Women"],
    "kids": ["Boys", "Girls"],
    "children": ["Boys", "Girls"],
    "navy": ["Navy Blue"],
    "office": ["Formal"],
    "gym": ["Sports"],
}
# Interchangeable spellings.
TWO_WAY: dict[str, list[str]] = {
    "gray": ["Grey"],
}


def seed(apps, schema_editor) -> None:
    Synonym = apps.get_model("catalog", "Synonym")
    for two_way, rows in ((False, ONE_WAY), (True, TWO_WAY)):
        for term, targets in rows.items():
            Synonym.objects.get_or_create(
                term=term, defaults={"targets": targets, "two_way": two_way}
            )


def unseed(apps, schema_editor) -> None:
    Synonym = apps.get_model("catalog", "Synonym")
    Synonym.objects.filter(term__in=[*ONE_WAY, *TWO_WAY]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_commerce_fields")]

    operations = [migrations.RunPython(seed, unseed)]
