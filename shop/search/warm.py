"""What a server's master process reads once before it forks its workers, so that no
worker builds it under the first shoppers' requests (``gunicorn.conf.py``): the shared
vocabulary (synonyms, typos), the active merchandising rules and the sales the signals
read, and every template compiled. Forked workers inherit all of it; each rebuilds a
piece only when its fingerprint says the database changed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.db import DatabaseError
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.loader import get_template
from django.template.utils import get_app_template_dirs

from shop.search import merchandising
from shop.search.merchandising.signals import sales
from shop.search.vocabulary import get_vocabulary

logger = logging.getLogger(__name__)


def _template_names() -> list[str]:
    """Every template the engines can find by name (their folders and the apps')."""
    folders = [*get_app_template_dirs("templates")]
    for engine in engines.all():
        folders += getattr(engine, "dirs", ())
    return sorted(
        {
            str(path.relative_to(folder))
            for folder in folders
            for path in Path(folder).rglob("*.html")
        }
    )


def caches_warm() -> str:
    """Read the shop's per-process caches now; says what was done. A database that
    cannot be read is reported, not raised: each piece is then read on first use."""
    compiled = 0
    for name in _template_names():
        try:
            get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):  # another engine's, or a fragment
            continue
        compiled += 1
    try:
        get_vocabulary()
        plan = merchandising.plan_for(words="", categories=())  # reads the active rules
        sold = sales(plan.sales_fingerprint)
    except DatabaseError as error:
        logger.warning("caches not warmed: %s", error)
        return f"{compiled} templates compiled; database not read ({error.__class__.__name__})"
    return (
        f"{compiled} templates compiled; vocabulary, rules and the sales of "
        f"{len(sold.ids)} products read"
    )
