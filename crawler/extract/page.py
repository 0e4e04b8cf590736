"""A fetched Page as an Article: extraction with the page's profile (the spider's, when its
site moved host), under the spider's site and that site's province. Pure."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from crawler.extract.article import extract, locate
from crawler.records import Article, Page, Rejected
from crawler.sites.cms import GENERIC, PROFILES_BY_NAME, CmsProfile
from crawler.sites.discover import profile_for_url


def profile_for_page(page: Page) -> CmsProfile:
    """The profile of the page's host; a spider's own profile when its site moved host."""
    profile = profile_for_url(page.url)
    if profile is GENERIC and page.profile in PROFILES_BY_NAME:
        host = urlsplit(page.url).hostname or ""
        return dataclasses.replace(PROFILES_BY_NAME[page.profile], host=host, host_aliases=())
    return profile


def read_page(page: Page, topic_terms: tuple[str, ...] | None = None) -> Article:
    """The page's Article; raises Rejected when it is not one."""
    if page.status >= 400:
        raise Rejected(f"http-{page.status}", f"the site answered HTTP {page.status}")
    article = extract(page.body, page.url, page.fetched_at, page.content_type, profile_for_page(page), topic_terms)
    return locate(article, page.site) if page.site and page.site != article.site else article
