"""Colour families: the one table search and the assistant read for "in blue".

A family word names its catalog colour and its shades; the exact colour ranks first.
"""

from __future__ import annotations

# A shopper's family word ("blue") also means these catalog shades, ranked after the
# exact colour ("navy is a blue"). Keys and members are catalog spellings.
COLOUR_FAMILIES: dict[str, tuple[str, ...]] = {
    "Blue": ("Blue", "Navy Blue", "Turquoise Blue", "Teal"),
    "White": ("White", "Off White", "Cream"),
    "Grey": ("Grey", "Charcoal", "Grey Melange", "Steel"),
    "Brown": ("Brown", "Coffee Brown", "Mushroom Brown", "Tan", "Taupe", "Khaki"),
    "Beige": ("Beige", "Cream", "Khaki", "Nude", "Skin", "Taupe"),
    "Green": ("Green", "Olive", "Sea Green", "Lime Green", "Teal"),
    "Red": ("Red", "Maroon", "Rust", "Burgundy"),
    "Pink": ("Pink", "Magenta", "Rose", "Peach"),
    "Purple": ("Purple", "Lavender", "Magenta"),
    "Yellow": ("Yellow", "Mustard", "Gold"),
    "Orange": ("Orange", "Rust", "Peach"),
    "Gold": ("Gold", "Bronze", "Copper"),
    "Silver": ("Silver", "Steel", "Metallic"),
}


def colour_family(colour: str) -> tuple[str, ...]:
    """The catalog colours a shopper's colour means: itself first, then its family's
    shades when it names a family ("Blue" -> Navy Blue, ...; "Navy Blue" is only itself)."""
    if not colour:
        return ()
    return tuple(dict.fromkeys([colour, *COLOUR_FAMILIES.get(colour, ())]))
