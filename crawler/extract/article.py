"""extract(html, url, fetched_at) -> Article: the whole of extraction, as a pure function.

The CMS profile for the URL's host gives selectors for each field, applied inside the
article's own container so that sidebars cannot lend it a date or an author. When a
selector finds nothing, the fallbacks run in a fixed order (JSON-LD, OpenGraph/meta,
trafilatura) and a warning names the field, so a redesign shows up in the logs rather
than in the data. Deterministic: the same input always gives the same Article; the crawl
time only ever caps dates, it is never one.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from crawler.extract import body, boilerplate, dates, fields
from crawler.extract.document import Document
from crawler.extract.encoding import BadEncoding, decode
from crawler.extract.validate import validate
from crawler.records import Article, Rejected
from crawler.sites.challenge import d1n_cookie
from crawler.sites.cms import CmsProfile
from crawler.sites.discover import profile_for_url, site_for_url
from crawler.sites.provinces import province_for
from crawler.text import parse_datetime


def _as_datetime(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"fetched_at is not an ISO 8601 date: {value!r}")
    return parsed[0]


def _draft(
    html: str | bytes, url: str, fetched_at: str | datetime | None, content_type: str | None, profile: CmsProfile | None
) -> tuple[Article, Document]:
    raw = html if isinstance(html, bytes) else html.encode("utf-8", "surrogatepass")
    if d1n_cookie(raw):
        raise Rejected("interstitial", "Lao Động D1N cookie challenge, not the article")
    try:
        text = decode(html, content_type)
    except BadEncoding as error:
        raise Rejected("bad-encoding", str(error)) from None
    if not text.strip():
        raise Rejected("empty", "the response body is empty")
    profile = profile or profile_for_url(url)
    page = Document(text, url, profile, _as_datetime(fetched_at))
    title = fields.title(page)
    lead = fields.lead(page)
    author = fields.author(page)
    read = body.read(page, title, lead, author)
    paragraphs, method = read.paragraphs, read.method
    if author is None and profile.byline_last_line and paragraphs and boilerplate.is_byline(paragraphs[-1]):
        author = boilerplate.clean_author(paragraphs.pop(), profile.author_noise)  # a byline as the last line
    images = fields.images(page)
    draft = Article(
        url=fields.url(page),
        site=site_for_url(url),
        title=title,
        lead=lead,
        body="\n\n".join(paragraphs),
        published_at=dates.published(page),
        updated_at=dates.updated(page),
        author=author,
        source=fields.source(page),
        section=fields.section(page),
        tags=fields.tags(page),
        images=images,
        language=fields.language(page),
        extraction_method=method,
        body_html=read.html(paragraphs, images),
    )
    return draft, page


def extract(
    html: str | bytes,
    url: str,
    fetched_at: str | datetime | None = None,
    content_type: str | None = None,
    profile: CmsProfile | None = None,
    topic_terms: tuple[str, ...] | None = None,
) -> Article:
    """Extract the article at `url` from its HTML; raise Rejected if it is not one.

    `fetched_at` only caps the dates that may be accepted (trafilatura's max_date);
    `content_type` is the HTTP header, whose charset decodes bytes; `profile` overrides
    the one chosen by the URL's host (a site that moved host); `topic_terms` replace the
    union terms of the topic filter, and apply it whatever the profile.
    """
    draft, page = _draft(html, url, fetched_at, content_type, profile)
    return locate(validate(draft, page.profile, page.wrapper_id(), topic_terms))


def locate(article: Article, site: str | None = None) -> Article:
    """The article with its site, `site` when the spider knows it (a page on a host its site
    moved to), and the province of that site, section or headline (crawler.sites.provinces).

    >>> story = Article("https://laodong.vn/cong-doan/x-1.ldo", "laodong", "Công đoàn Hòa Bình họp", None, "",
    ...                 None, None, None, None, None, [], [], "vi")
    >>> locate(story).province, locate(story, "caobang").province, locate(story, "caobang").site
    ('Hòa Bình', 'Cao Bằng', 'caobang')
    """
    site = site or article.site
    return dataclasses.replace(
        article, site=site, province=province_for(site, article.url, article.title, article.lead)
    )


def main_text(html: str | bytes, url: str, profile: CmsProfile | None = None) -> str:
    """Lead and body as one text, unvalidated: what extraction benchmarks score."""
    try:
        draft, _ = _draft(html, url, None, None, profile)
    except Rejected:
        return ""
    return "\n\n".join(part for part in (draft.lead, draft.body) if part)
