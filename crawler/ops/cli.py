"""The `congdoan` command: crawl, fetch-media, status, reextract, extract, links, search, sites, publish, serve, wacz."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import click

from crawler.ops.arguments import (
    existing_db_option,
    mirror_option,
    new_db_option,
    overrides_option,
    redis_option,
    replay_option,
    since_option,
    sites_argument,
    spider_classes,
    verbose_option,
    warc_dir_option,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the archive; try again later
DATASETTE_DIR = PROJECT_ROOT / "datasette"
EXPORT_PAGE_LIMIT_MS = 10_000  # each page of a streamed CSV export, in the heavy lane


def _settings(
    db: str, mirror: str | None, overrides: tuple[str, ...], replay: tuple[str, ...] = (), warc_dir: str | None = None
):  # -> scrapy Settings
    from scrapy.settings import Settings

    from crawler.fetch.capture import run_id

    settings = Settings()
    settings.setmodule("crawler.fetch.settings", priority="project")
    settings.set("ARCHIVE_DB", db, priority="cmdline")
    settings.set("ARCHIVE_RUN_ID", run_id(), priority="cmdline")  # one name for all the sites of a run
    if warc_dir:
        settings.set("ARCHIVE_WARC_DIR", warc_dir, priority="cmdline")
    if replay:
        handler = "crawler.capture.replay.ReplayDownloadHandler"
        settings.set("ARCHIVE_REPLAY", list(replay), priority="cmdline")
        settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="cmdline")
        # Nobody to be polite to: the archive answers at once.
        for key, value in (
            ("DOWNLOAD_DELAY", 0),
            ("AUTOTHROTTLE_ENABLED", False),
            ("CONCURRENT_REQUESTS_PER_DOMAIN", 16),
        ):
            settings.set(key, value, priority="cmdline")
    if mirror:
        handler = "crawler.fetch.middlewares.MirrorDownloadHandler"
        settings.set("ARCHIVE_MIRROR", mirror, priority="cmdline")
        settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="cmdline")
    for override in overrides:  # KEY=VALUE, checked by overrides_option
        key, _, value = override.partition("=")
        settings.set(key.strip(), value, priority="cmdline")
    return settings


class _OneLineErrors(click.Group):
    """A refused argument is one line on stderr (exit code 2), not click's usage block."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            if error.ctx is not None:
                error.message = f"{error.message} (see {error.ctx.command_path} --help)"
                error.ctx = None
            raise


@click.group(cls=_OneLineErrors)
@click.version_option(package_name="congdoan-archive")
def main() -> None:
    """Archive Vietnamese trade-union news into SQLite and publish it with Datasette."""


@main.command()
@sites_argument
@new_db_option
@since_option
@click.option("--max-articles", type=click.IntRange(min=1), help="Fetch at most N new articles per site.")
@mirror_option
@click.option(
    "--start-url",
    "start_urls",
    multiple=True,
    metavar="URL",
    help="Start from this listing or section URL instead of the site's defaults (repeatable; one site).",
)
@replay_option(
    "Crawl recorded captures (.warc.gz, .wacz or a folder of them) instead of the network; "
    "a URL not in them is a 404 (repeatable)."
)
@warc_dir_option
@click.option(
    "--legacy-tls",
    is_flag=True,
    help="Allow TLS 1.0/1.1 and SHA-1 certificates, for old .gov.vn servers (OpenSSL security level 0).",
)
@click.option(
    "--no-images", is_flag=True, help="Archive the articles only, not their photos (fetch-media gets them later)."
)
@redis_option(
    "Run as a fleet worker of the run `congdoan store --redis` holds at URL (redis://HOST:PORT/DB): "
    "the writer stores, and --db only places the WARC files."
)
@overrides_option
@verbose_option
def crawl(
    sites: tuple[str, ...],
    db: str,
    since: str | None,
    max_articles: int | None,
    mirror: str | None,
    start_urls: tuple[str, ...],
    replay: tuple[str, ...],
    warc_dir: str | None,
    legacy_tls: bool,
    no_images: bool,
    redis_url: str | None,
    overrides: tuple[str, ...],
    verbose: bool,
) -> None:
    """Crawl SITES (default: all five) into the archive and print one summary line per site.

    Exits 1 if a site could not be reached or failed a monitor, 75 if another crawl
    holds the archive (docs/operations.md). --start-url backfills one
    section, or follows a site that moved its sections: pagination, article rules and
    the topic filter still apply.

    Example:

    \b
        congdoan crawl laodong --since 2025-01-01 --max-articles 50
        congdoan crawl baohatinh --start-url https://baohatinh.vn/xa-hoi/
        congdoan crawl --replay demo/sample.warc.gz --db demo.db
    """
    _check_sources(mirror, replay)
    settings = _settings(db, mirror, overrides, replay, warc_dir)
    if legacy_tls:
        settings.set("DOWNLOADER_CLIENT_TLS_CIPHERS", "DEFAULT:@SECLEVEL=0", priority="cmdline")
    if no_images:
        settings.set("ARCHIVE_MEDIA", False, priority="cmdline")
    if start_urls and len(sites) != 1:
        raise click.BadParameter("--start-url needs exactly one SITE", param_hint="--start-url")
    arguments = {"since": since, "max_articles": max_articles, "start_url": list(start_urls) or None}
    if redis_url:
        _work(settings, sites, redis_url, {k: v for k, v in arguments.items() if v is not None})
        return
    _run(settings, sites, verbose, **arguments)


def _work(settings, sites: tuple[str, ...], redis_url: str, spider_arguments: dict) -> None:
    """A fleet worker: crawl sites of the writer's run until all of them are done."""
    from scrapy.utils.log import configure_logging

    from crawler.fetch.worker import Worker, wait_for_run

    configure_logging(settings)
    run = wait_for_run(redis_url, settings.getfloat("ARCHIVE_FLEET_WAIT", 300))
    worker = Worker(settings, run, redis_url, sites, spider_arguments)
    worker.start()
    click.echo(f"{worker.name}: run {run.id}: crawled {', '.join(site for site, _ in worker.crawled) or 'nothing'}")


@main.command()
@sites_argument
@new_db_option
@redis_option("The Redis the workers share (redis://HOST:PORT/DB).", required=True)
@overrides_option
def store(sites: tuple[str, ...], db: str, redis_url: str, overrides: tuple[str, ...]) -> None:
    """Own a fleet run: seed it from the archive, store what the workers send, then report.

    Start it first (or again, after a crash: it carries on the same run), then any number
    of `congdoan crawl --redis URL` workers on any machines. Holds the archive's lock for the
    whole run. Prints one summary line per site; exits 1 if a site failed, 75 if the
    archive is locked (docs/operations.md, "More than one machine").

    Example:

    \b
        congdoan store --redis redis://10.0.0.5:6379/0 --db archive.db
    """
    from scrapy import spiderloader

    from crawler.ops.writer import Writer
    from crawler.store.lock import ArchiveLocked

    settings = _settings(db, None, overrides)
    logging.basicConfig(level=settings.get("LOG_LEVEL"), format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    loader = spiderloader.SpiderLoader.from_settings(settings)
    names = list(sites) or sorted(loader.list())
    try:
        results = Writer(settings, redis_url, names, {name: loader.load(name) for name in loader.list()}).run()
    except ArchiveLocked as locked:
        click.echo(f"{click.get_current_context().command_path}: {locked}", err=True)
        sys.exit(EXIT_LOCKED)
    for line, _ in results:
        click.echo(line)
    if not all(ok for _, ok in results):
        sys.exit(1)


def _run(settings, sites: tuple[str, ...], verbose: bool = False, **spider_arguments) -> None:
    """Run the spiders of SITES (default: all) in one process under the archive's lock, then
    report: see crawler.ops.terminal for where the output goes. Exits 1 if a site failed,
    75 if the archive is locked."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import SETTINGS_PRIORITIES

    from crawler.ops.logs import quiet_network_tracebacks
    from crawler.ops.report import summarize
    from crawler.ops.terminal import Terminal, run_log_path, site_stats
    from crawler.store.lock import ArchiveLock, ArchiveLocked

    terminal = Terminal(
        verbose, since=spider_arguments.get("since"), interval=settings.getfloat("ARCHIVE_PROGRESS_INTERVAL")
    )
    try:
        # The lock first: a run refused for overlap (exit 75) leaves no log file behind.
        with ArchiveLock(settings.get("ARCHIVE_DB")):  # one crawl at a time per archive; released even on SIGKILL
            if settings.getpriority("LOG_FILE") != SETTINGS_PRIORITIES["cmdline"]:  # unless -s LOG_FILE=… names one
                log_path = run_log_path(settings.get("ARCHIVE_DB"), settings.get("ARCHIVE_RUN_ID"))
                settings.set("LOG_FILE", str(log_path), priority="cmdline")  # the full log, always
            log_path = Path(settings.get("LOG_FILE"))
            process = CrawlerProcess(settings)
            crawlers = []
            for name in sites or sorted(process.spider_loader.list()):
                crawler = process.create_crawler(name)
                crawlers.append((name, crawler))
                process.crawl(crawler, **spider_arguments)
            try:
                terminal.attach_logging(settings.get("LOG_LEVEL"))
                quiet_network_tracebacks()  # after crawl() (each crawler reinstalls Scrapy's root handler) and ours
                terminal.watch(crawlers)
                process.start()
            finally:
                terminal.stop()
    except ArchiveLocked as locked:
        click.echo(f"{click.get_current_context().command_path}: {locked}", err=True)
        sys.exit(EXIT_LOCKED)
    stats = [(name, site_stats(crawler)) for name, crawler in crawlers]
    results = [summarize(name, stats_of_site) for name, stats_of_site in stats]
    terminal.summary(stats, [line for line, _ in results], log_path)
    if not all(ok for _, ok in results):
        sys.exit(1)


@main.command("fetch-media")
@sites_argument
@existing_db_option
@mirror_option
@replay_option("Fetch from recorded captures.")
@warc_dir_option
@overrides_option
@verbose_option
def fetch_media(
    sites: tuple[str, ...],
    db: str,
    mirror: str | None,
    replay: tuple[str, ...],
    warc_dir: str | None,
    overrides: tuple[str, ...],
    verbose: bool,
) -> None:
    """Fetch the missing photos of archived articles of SITES (default: all five), and nothing else.

    Missing: never fetched (an archive from before photos were kept, a crawl run with
    --no-images or killed early), or failed in a way that may pass (a timeout, a busy
    server), at most three times. Photos go through the same politeness and WARC capture
    as a crawl; each site's line says how many were kept. A plain crawl fetches some of
    them too (ARCHIVE_MEDIA_BACKLOG articles per site).

    Example:

    \b
        congdoan fetch-media laodong --db archive.db
    """
    _check_sources(mirror, replay)
    settings = _settings(db, mirror, overrides, replay, warc_dir)
    _run(settings, sites, verbose, media_only=True)


def _check_sources(mirror: str | None, replay: tuple[str, ...]) -> None:
    if replay and mirror:
        raise click.BadParameter("--replay and --mirror are two different sources; give one", param_hint="--replay")


@main.command()
@existing_db_option
@click.option("--site", help="Only this site's pages.")
def reextract(db: str, site: str | None) -> None:
    """Rebuild articles from the stored raw captures with the current extractor, offline.

    Prints how many rows changed; a second run right after changes none. WARC paths in
    the captures table are relative to the archive's folder.

    Example:

        congdoan reextract --site laodong
    """
    from crawler.store.database import open_db
    from crawler.store.reextract import reextract as run_reextract

    archive = open_db(db)
    try:
        result = run_reextract(archive, Path(db).resolve().parent, site)
    finally:
        archive.close()
    click.echo(result.summary())
    if result.missing:
        sys.exit(1)


@main.command()
@click.argument("target", type=click.Path(dir_okay=False))
@existing_db_option
@click.option("--warc-dir", metavar="DIR", help="The WARC files to package [default: warc/ beside --db].")
def wacz(target: str, db: str, warc_dir: str | None) -> None:
    """Package the archive's WARC files as one WACZ, for ReplayWeb.page or `crawl --replay`.

    The pages list holds every archived article with its title.

    Example:

        congdoan wacz congdoan.wacz
    """
    from crawler.capture.wacz import Page, write_wacz
    from crawler.capture.warc import warc_dir_for
    from crawler.store.captures import archived_pages
    from crawler.store.database import open_db

    folder = warc_dir_for(warc_dir, db)
    warcs = sorted(folder.glob("*.warc.gz"))
    if not warcs:
        raise click.ClickException(f"no .warc.gz files in {folder}")
    archive = open_db(db)
    pages = 0

    def listed() -> Iterator[Page]:  # streamed from the database as the zip is written
        nonlocal pages
        for url, ts, title in archived_pages(archive):
            pages += 1
            yield Page(url, ts, title)

    try:
        records = write_wacz(Path(target), warcs, listed(), "congdoan-archive", "congdoan-archive")
    finally:
        archive.close()
    click.echo(f"{target}: {len(warcs)} WARC files, {records} indexed records, {pages} pages")


@main.command("extract")
@click.argument("page", type=click.File("rb"))
@click.option("--url", required=True, help="The URL the page was fetched from.")
@click.option("--fetched-at", metavar="ISO", help="When it was fetched; caps acceptable dates.")
def extract_command(page, url: str, fetched_at: str | None) -> None:
    """Extract one saved HTML PAGE and print the Article as JSON.

    Exits 1 with the rejection reason on stderr when the page is not an article.

    Example:

        congdoan extract page.html --url https://laodong.vn/cong-doan/x-1069877.ldo
    """
    from crawler.extract.article import extract
    from crawler.records import Rejected

    try:
        article = extract(page.read(), url, fetched_at)
    except Rejected as rejected:
        click.echo(f"rejected: {rejected.reason}: {rejected.detail}", err=True)
        sys.exit(1)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(asdict(article), ensure_ascii=False, indent=2))


@main.command()
@click.argument("listing", type=click.File("rb"))
@click.option("--url", required=True, help="The URL the listing page was fetched from.")
def links(listing, url: str) -> None:
    """Print the article URLs and the next page a spider would follow from a saved LISTING page.

    Prints {"article_urls": [...], "next_page": URL or null}: canonical, de-duplicated, in
    page order, for a crawl that has archived nothing yet.

    Example:

        congdoan links section.html --url https://laodong.vn/cong-doan?page=2
    """
    from crawler.extract.encoding import BadEncoding, decode
    from crawler.sites.discover import follows, listing_links, site_for_url
    from crawler.sites.pagination import next_page_url

    spider = spider_classes().get(site_for_url(url) or "")
    if spider is None:
        raise click.ClickException(f"{url} is not on any of the sites: {', '.join(sorted(spider_classes()))}")
    try:
        html = decode(listing.read())
    except BadEncoding as error:
        raise click.ClickException(f"{listing.name}: {error}") from None
    found = [
        link.url
        for link in listing_links(html, url, spider.profile)
        if follows(link, spider.follow_pattern, spider.strict_sections)
    ]
    next_page = next_page_url(url, html, spider.profile) if found else None
    click.echo(json.dumps({"article_urls": found, "next_page": next_page}, ensure_ascii=False, indent=2))


@main.command()
@existing_db_option
@click.option("--runs", default=5, show_default=True, help="How many recent runs of each site to weigh.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output, for monitoring.")
@redis_option("Also show the fleet run at URL: queues per site, workers alive, records waiting for the writer.")
def status(db: str, runs: int, as_json: bool, redis_url: str | None) -> None:
    """Health of each site from its last runs: verdict, counts, last new article, alerts.

    Exits 1 when a site's last run failed, so a monitoring check can call it. --json prints
    a list of objects, one per site (docs/operations.md), with the same exit code.

    Example:

    \b
        congdoan status --db archive.db
        congdoan status --json | jq '.[] | select(.healthy | not) | .site'
    """
    from rich.console import Console

    from crawler.ops.progress import health_table
    from crawler.ops.report import site_health
    from crawler.store.crawls import last_crawls
    from crawler.store.database import open_db

    if redis_url:
        _fleet_status(redis_url, as_json)
    archive = open_db(db)
    try:
        health = site_health(last_crawls(archive, runs))
    finally:
        archive.close()
    if as_json:
        click.echo(json.dumps(health, ensure_ascii=False, indent=2))
    elif not health:
        click.echo("no crawl recorded yet")
    elif sys.stdout.isatty():
        Console().print(health_table(health))
    else:  # cron mail, a pipe: one line per site, unfolded, no padding at the end
        console = Console(width=10_000, color_system=None)
        with console.capture() as captured:
            console.print(health_table(health))
        click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))
    if not all(site["healthy"] for site in health):
        sys.exit(1)


def _fleet_status(redis_url: str, as_json: bool) -> None:
    from crawler.fetch.fleet import fleet_status

    found = fleet_status(redis_url)
    if as_json:
        click.echo(json.dumps({"fleet": found}, ensure_ascii=False))
        return
    if found is None:
        click.echo("fleet: no run in progress")
        return
    click.echo(
        f"fleet run {found['run']}: {len(found['workers'])} workers alive ({', '.join(found['workers']) or 'none'}), "
        f"{found['waiting']} records waiting for the writer"
    )
    for site, queue in found["sites"].items():
        click.echo(
            f"  {site}: {queue['queued']} queued, {queue['in_flight']} in flight, "
            f"{'done' if queue['done'] else 'worker ' + (queue['worker'] or '-')}"
        )


@main.command()
@click.argument("query")
@existing_db_option
@click.option("--limit", default=20, show_default=True)
def search(query: str, db: str, limit: int) -> None:
    """Full-text search of the archive; unaccented words match accented text.

    Example:

        congdoan search "cong doan ha tinh"
    """
    from crawler.publish.search import search as run_search
    from crawler.store.database import open_db

    for hit in run_search(open_db(db), query, limit):
        click.echo(f"{hit['published_at'] or '?':25}  {hit['site'] or '-':9}  {hit['title']}\n{'':36}{hit['url']}")


@main.command()
def sites() -> None:
    """List the spiders and the entry URLs they start from.

    Example:

        congdoan sites
    """
    for name, spider in sorted(spider_classes().items()):
        click.echo(name)
        for url in spider().entry_urls():
            click.echo(f"  {url}")


@main.command()
@click.argument("target", type=click.Path(dir_okay=False))
@existing_db_option
def publish(target: str, db: str) -> None:
    """Write a consistent snapshot of the archive to TARGET (VACUUM INTO), even while a
    crawl is writing to it. `congdoan serve --snapshot TARGET` serves such a file.

    Example:

        congdoan publish published/archive.db
    """
    from crawler.store.database import snapshot

    try:
        articles = snapshot(db, target)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{target}: {articles} articles")


@main.command()
@click.option(
    "--db",
    default="archive.db",
    show_default=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The live archive: published to published/archive.db beside it, then served.",
)
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Serve this already published snapshot as it is, instead of publishing --db.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default="the number of cores",
    help="Server processes on the one socket, each a Datasette over the same immutable snapshot.",
)
@click.option(
    "--sql-time-limit",
    "sql_time_limit_ms",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    metavar="MS",
    help="Custom SQL (?sql=) stops after this; readers' pages keep settings.json's sql_time_limit_ms.",
)
@click.option(
    "--lane-slots",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Custom SQL queries and streamed CSV exports running at once, per worker; "
    "past them a request waits 250 ms, then gets 429 with Retry-After.",
)
@click.option(
    "--sql-per-minute",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Custom SQL queries and CSV exports one client address may start per minute (429 past it).",
)
@click.option(
    "--no-sql", is_flag=True, help="No arbitrary SQL at all (a public deployment): search, pages and feeds stay."
)
def serve(
    db: str,
    snapshot_file: str | None,
    host: str,
    port: int,
    workers: int,
    sql_time_limit_ms: int,
    lane_slots: int,
    sql_per_minute: int,
    no_sql: bool,
) -> None:
    """Serve the archive with Datasette, configured from datasette/, read-only.

    Datasette serves a snapshot in immutable mode, so a crawl can go on writing to the
    live archive, and the page offers the snapshot's SQLite file for download. Readers
    come first: custom SQL and streamed CSV exports run in a process of their own at a
    lower CPU priority, bounded and rate-limited per client (--lane-slots,
    --sql-per-minute, --sql-time-limit). Every
    answer carries an ETag built from the snapshot's SHA-256 and a Cache-Control (long for
    articles and the file, short for searches), so a proxy in front can absorb repeats
    (docs/deploy.md).

    Example:

        congdoan serve --db archive.db --port 8001 --workers 2
    """
    import secrets
    import shutil

    from crawler.ops.serving import supervise
    from crawler.store.database import snapshot, snapshot_digest

    live = Path(db).resolve()
    if snapshot_file is None:
        served = live.parent / "published" / "archive.db"
        snapshot(live, served)
    else:
        served = Path(snapshot_file).resolve()
    digest = snapshot_digest(served)  # once here, not once per worker
    scratch = Path(tempfile.mkdtemp(prefix="congdoan-serve-"))  # the lane's socket, a link; removed at the end
    if served.stem != "archive":  # the templates and metadata are written for a database named archive
        link = scratch / "archive.db"
        link.symlink_to(served)
        served = link
    os.environ.update(
        CONGDOAN_SERVED=str(served),
        CONGDOAN_SNAPSHOT_SHA256=digest,
        CONGDOAN_SQL_TIME_LIMIT_MS=str(sql_time_limit_ms),
        CONGDOAN_LANE_SLOTS=str(lane_slots),
        CONGDOAN_SQL_PER_MINUTE=str(sql_per_minute),
    )
    if no_sql:
        os.environ["CONGDOAN_NO_SQL"] = "1"
    os.environ.setdefault("DATASETTE_SECRET", secrets.token_hex(32))  # one for all the workers
    # Capture links read WARC files relative to the live archive's folder.
    os.environ.setdefault("CONGDOAN_WARC_ROOT", str(live.parent))
    # Read-only (immutable) and bounded (datasette/settings.json); uvicorn runs the app
    # factory (datasette/plugins/factory.py) in each reader worker, and in one more process,
    # niced, for the heavy lane: custom SQL and CSV exports, reached over a Unix socket.
    uvicorn = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "plugins.factory:create_app",
        "--app-dir",
        str(DATASETTE_DIR),
    ]
    lane_socket = scratch / "lane.sock"
    try:
        status = supervise(
            lane=(
                # Only the readers' server reaches this socket: its X-Forwarded-* are the visitor's.
                [*uvicorn, "--uds", str(lane_socket), "--workers", "1", "--forwarded-allow-ips", "*"],
                # Custom SQL arrives with its own limit (_timelimit); an export's pages get this
                # one: the lane runs niced, so a page may wait for CPU while readers are busy.
                {"CONGDOAN_ROLE": "lane", "CONGDOAN_SETTINGS": json.dumps({"sql_time_limit_ms": EXPORT_PAGE_LIMIT_MS})},
            ),
            readers=(
                [*uvicorn, "--host", host, "--port", str(port), "--workers", str(workers)],
                {"CONGDOAN_LANE_SOCKET": str(lane_socket)},
            ),
            lane_socket=lane_socket,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    sys.exit(status)
