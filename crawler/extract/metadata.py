"""Page-level metadata: JSON-LD, OpenGraph and meta tags. Pure; the extractor's fallbacks."""

from __future__ import annotations

import json
from typing import Any

from parsel import Selector

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle"}


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [obj for item in node for obj in _walk(item)]
    if isinstance(node, dict):
        return [node, *_walk(node.get("@graph", []))]
    return []


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", [])
    return {str(t).lower() for t in (kind if isinstance(kind, list) else [kind])}


def json_ld_article(selector: Selector) -> dict[str, Any]:
    """The article object of the page's JSON-LD, merged when split over several objects.

    Lao Động ships a list whose *last* object carries datePublished, so later objects win.
    Broken JSON-LD blocks are skipped: they are common and never fatal.
    """
    merged: dict[str, Any] = {}
    for raw in selector.css("script[type='application/ld+json']::text").getall():
        try:
            data = json.loads(raw.strip().rstrip(";"), strict=False)
        except (ValueError, RecursionError):  # nested past the parser's depth: a hostile page
            continue
        for obj in _walk(data):
            if _types(obj) & ARTICLE_TYPES:
                merged.update({k: v for k, v in obj.items() if v not in (None, "", [])})
    return merged


def meta(selector: Selector, *names: str) -> str | None:
    """The first non-empty <meta> content among property= or name= `names`."""
    for name in names:
        for attr in ("property", "name", "itemprop"):
            value = selector.xpath(f"//meta[@{attr}=$name]/@content", name=name).get()
            if value and value.strip():
                return value.strip()
    return None


def meta_all(selector: Selector, name: str) -> list[str]:
    values = selector.xpath("//meta[@property=$name or @name=$name]/@content", name=name).getall()
    return [v.strip() for v in values if v.strip()]


def person_names(value: Any) -> list[str]:
    """Names from a JSON-LD author value: a string, a Person, or a list of either."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value for name in person_names(item)]
    return []


def keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(part).strip() for part in value if str(part).strip()]
    return []
