"""What the catalog tells the apps above it, without importing them."""

from __future__ import annotations

from django.dispatch import Signal

# A product page was shown: ``request`` and ``product`` (search counts clicks from its
# results here).
product_viewed = Signal()
