"""FleetPipeline: a fleet worker's item pipeline, in place of ArchivePipeline. The worker reads
each page (extraction is the costly part, so it runs on the workers) and sends what storing
needs to the writer through the run's stream; the writer stores it with ArchivePipeline's own
code (crawler/ops/writer.py). Photos the archive lacks are claimed for this worker to fetch."""

from __future__ import annotations

import dataclasses
from typing import Any

from scrapy.crawler import Crawler

from crawler.fetch.fleet import FleetSite
from crawler.records import Article, Attachment, MediaWanted, NotModified, Page, Rejected, Rejection
from crawler.sites.topic import parse_terms
from crawler.store.archive import read_or_reject
from crawler.store.pipeline import linked_documents, media_enabled, topic_terms_for


class FleetPipeline:
    """Settings: REDIS_URL (a worker of `congdoan crawl --redis`), ARCHIVE_TOPIC_TERMS, ARCHIVE_MEDIA."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.media = media_enabled(crawler.settings)
        self.topic_terms: tuple[str, ...] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FleetPipeline:
        return cls(crawler)

    @property
    def fleet(self) -> FleetSite:
        return self.crawler.spider.fleet  # type: ignore[union-attr]

    def open_spider(self) -> None:
        terms = parse_terms(self.crawler.settings.get("ARCHIVE_TOPIC_TERMS"))
        self.topic_terms = topic_terms_for(self.crawler.spider, terms)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Page):
            return self.page(item)
        if isinstance(item, Rejection | Attachment | NotModified):
            self.fleet.send({"type": type(item).__name__, "item": dataclasses.asdict(item)})
            frontier_url = getattr(item, "frontier_url", None)
            if frontier_url:
                self.fleet.done(frontier_url)
            else:  # no queued request stands for it, so nothing would redo it: out at once
                self.fleet.flush()
        return item

    def page(self, page: Page) -> Page | MediaWanted:
        result = read_or_reject(page, self.topic_terms)
        fields = {field.name: getattr(page, field.name) for field in dataclasses.fields(page) if field.name != "body"}
        record: dict[str, Any] = {"type": "Page", "page": fields}
        if isinstance(result, Rejected):
            record["rejected"] = [result.reason, result.detail]
        else:
            record["article"] = result.as_dict()
            record["documents"] = linked_documents(page)
        self.fleet.send(record)
        if page.frontier_url:
            self.fleet.done(page.frontier_url)
        if isinstance(result, Article) and self.media:
            wanted = self.fleet.run.claim_media(image.url for image in result.images)
            if wanted:
                return MediaWanted(result.url, page.site, tuple(wanted))
        return page
