"""Product descriptions: the one place that sanitises their HTML.

Catalog records carry HTML (Myntra's descriptors: paragraphs, lists, bold, but also
links to other shops, inline styles and mojibake). Only a small safe subset is kept,
with nh3 (the Ammonia sanitiser): on import, on a merchant's save in the admin, and
again at render time (``|description`` in templates) so nothing stored is trusted.
"""

from __future__ import annotations

import re

import ftfy
import nh3

ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "b", "em"})
# Scripts and styles lose their content too; every other tag (<a>, <span>, <div>) is
# unwrapped and keeps its text.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "template"})
# What is left of characters lost in double-encoded text ("5'8â€Â�", "bagÃ?Â?"): a
# run of these around a U+FFFD cannot be repaired and is dropped.
_LOST = "\ufffd\ufeffÃÂâ€ï†¯»¿?"
_LOST_RUN = re.compile(f"[{_LOST}]*\ufffd[{_LOST}]*|(?:[ÃÂ]\\?){{2,}}")
_TAG = re.compile(r"<[^>]*>")
# nh3 writes U+00A0 as ``&nbsp;``, which hides the classic mojibake of a no-break space
# ("Â" + U+00A0, its UTF-8 bytes read as Latin-1) from ftfy; it sees the character.
_NBSP_ENTITY = re.compile(r"&(?:nbsp|#160|#[xX]0*[aA]0);")
# What the catalog data writes for "not given" (descriptions, style records, the CSV).
NOT_GIVEN = {"", "NA", "N/A"}


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={},
        link_rel=None,
        strip_comments=True,
    )


def _drop_lost(match: re.Match[str]) -> str:
    text, end = match.string, match.end()
    # Keep words apart: "5'8â€�and" → "5'8 and".
    before = text[match.start() - 1] if match.start() else " "
    after = text[end] if end < len(text) else " "
    return " " if before.isalnum() and after.isalnum() else ""


def description_clean(html: str) -> str:
    """Safe HTML for a description: the allowed tags only, no attributes, mojibake
    repaired (ftfy) or dropped, "NA" placeholders read as empty."""
    if not html:
        return ""
    text = _NBSP_ENTITY.sub("\u00a0", _sanitise(html))
    text = ftfy.fix_text(
        text,
        unescape_html=False,
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
    )
    text = _LOST_RUN.sub(_drop_lost, text).replace("\ufeff", "").replace("ï»¿", "")
    # ftfy works on text: sanitise again so nothing it changed can become markup.
    text = _sanitise(text).strip()
    if _TAG.sub("", text).replace("&nbsp;", " ").strip() in NOT_GIVEN:
        return ""
    return text


def description_render(html: str) -> str:
    """Stored HTML cleaned again for display (the render-time half of the rule above):
    text stored before a repair was known is shown repaired too."""
    return description_clean(html) if html else ""
