"""The records that flow through the archive: a fetched Page, an extracted Article, a Rejection.

Pure: no Scrapy, no I/O. `dataclasses.asdict(article)` is exactly the JSON
that `congdoan extract` prints, so the field list here is a public contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Page:
    """One HTTP exchange as the spider saw it, before any parsing."""

    url: str  # the real site URL (never the mirror's)
    site: str | None
    status: int
    body: bytes
    fetched_at: str  # ISO 8601, when the response arrived; never a publication date
    headers: dict[str, str] = field(default_factory=dict)
    profile: str | None = None  # the CMS profile to read it with, when its host is not a known one
    capture_id: int | None = None  # the raw capture (captures table, WARC record) it came from
    frontier_url: str | None = None  # the request it answers, done once the page is stored
    redirects: tuple[str, ...] = ()  # canonical URLs that redirected here: aliases, or rejections

    @property
    def content_type(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "content-type"), None)


@dataclass(frozen=True)
class Image:
    url: str
    caption: str | None = None


@dataclass(frozen=True)
class Article:
    url: str
    site: str | None
    title: str
    lead: str | None
    body: str
    published_at: str | None
    updated_at: str | None
    author: str | None
    source: str | None  # the outlet a story credits ("Nguồn tin:"), when it names one
    section: str | None
    tags: list[str]
    images: list[Image]
    language: str | None
    # How the body was found: "profile" (the site's CMS profile), or on the generic path
    # "trafilatura-precision", "trafilatura", "parts" or "script-data" (rows of earlier
    # extractor versions may say "readability", a second opinion since removed).
    extraction_method: str | None = None
    # The province it belongs to (crawler/sites/provinces.py), decided once its site is known
    # (crawler.extract.article.locate); None off the five sites.
    province: str | None = None
    # The body as printed: clean, safe HTML (crawler/extract/structure.py) whose blocks' text
    # is `body`, with its tables, lists, subheadings and figures. None only in rows from
    # before it was kept (congdoan reextract fills them).
    body_html: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """dataclasses.asdict(self), built shallowly: the same values at a fraction of the
        cost (asdict deep-copies every field; this runs twice for each stored article).

        >>> from dataclasses import asdict
        >>> a = Article("u", "laodong", "t", None, "b", None, None, None, None, None, ["x"], [Image("i", "c")], "vi")
        >>> a.as_dict() == asdict(a)
        True
        """
        values = dict(vars(self))
        values["tags"] = list(self.tags)
        values["images"] = [dict(vars(image)) for image in self.images]
        return values


@dataclass(frozen=True)
class Rejection:
    url: str
    site: str | None
    reason: str
    detail: str
    fetched_at: str | None
    frontier_url: str | None = None  # the request it answers, done once the rejection is stored


@dataclass(frozen=True)
class Attachment:
    """A document (PDF, DOCX, ...) a page links to: fetched when a listing linked it like an
    article, or only seen as a link inside an article. Never an article."""

    url: str
    site: str | None
    found_on: str | None  # the page that linked it
    status: str  # fetched | linked
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    link_text: str | None = None
    fetched_at: str | None = None
    capture_id: int | None = None
    frontier_url: str | None = None


@dataclass(frozen=True)
class MediaWanted:
    """Photos of a stored article that the archive has not kept yet. The store pipeline
    passes it on after the article; the media pipeline (crawler/fetch/media.py) fetches them."""

    article_url: str  # sent as the Referer, as a reader's browser would
    site: str | None
    urls: tuple[str, ...]


@dataclass(frozen=True)
class NotModified:
    """A re-checked article the site says has not changed (HTTP 304)."""

    url: str
    fetched_at: str


class Rejected(Exception):
    """A page that cannot become an article. `reason` is a short stable slug such as `no-date`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def article_from_dict(values: dict[str, Any]) -> Article:
    """The Article `as_dict` gave (a fleet worker's record, read back by the writer)."""
    return Article(**{**values, "images": [Image(**image) for image in values.get("images") or ()]})
