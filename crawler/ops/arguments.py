"""The command line's checks and shared options: a bad argument is refused before anything
starts, with click's exit code 2 and one line saying what is wrong."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from crawler.text import VN_TZ

ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".wacz")


def _check_since(ctx: click.Context, param: click.Parameter, value: datetime | None) -> str | None:
    if value is None:
        return None
    day = value.date()
    if day > datetime.now(VN_TZ).date():  # the future begins at midnight in Vietnam
        raise click.BadParameter(f"{day.isoformat()} is in the future: nothing was published after it yet")
    return day.isoformat()


def spider_classes() -> dict[str, type]:
    """The site spiders by name, as `scrapy list` finds them."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    settings = Settings()
    settings.setmodule("crawler.fetch.settings", priority="project")
    loader = SpiderLoader.from_settings(settings)
    return {name: loader.load(name) for name in loader.list()}


def _check_sites(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    available = sorted(spider_classes())
    unknown = sorted(set(value) - set(available))
    if unknown:
        raise click.BadParameter(f"unknown site(s) {', '.join(unknown)}; choose from {', '.join(available)}")
    return value


def _check_mirror(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A mirror is an http(s) URL with a host (a typo such as '$MIRROR' would fail every request)."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"expected a URL such as http://127.0.0.1:8000, got {value!r}")
    return value


def _check_new_db(ctx: click.Context, param: click.Parameter, value: str) -> str:
    folder = Path(value).expanduser().resolve().parent
    if not folder.is_dir():
        raise click.BadParameter(f"the folder {folder} does not exist")
    return value


def _check_replay(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    for path in map(Path, value):
        archives = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        if not any(p.name.endswith(ARCHIVE_SUFFIXES) for p in archives):
            raise click.BadParameter(f"{path} is not a WARC or WACZ file, nor a folder holding one")
    return value


def known_settings() -> dict[str, Any]:
    """Every setting Scrapy or crawler/fetch/settings.py declares, with its default."""
    from scrapy.settings import default_settings

    from crawler.fetch import settings as project

    return {
        name: getattr(module, name) for module in (default_settings, project) for name in dir(module) if name.isupper()
    }


def _check_overrides(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """-s KEY=VALUE: a setting Scrapy or this project knows (the nearest named when not), with a
    value of its default's kind (a number where a number is expected, a boolean, JSON for a
    dict or list), so that a typo is refused here rather than crashing the crawl later."""
    defaults = known_settings()
    for override in value:
        key, sep, text = override.partition("=")
        key = key.strip()
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {override!r}")
        if key.startswith("SPIDERMON_"):  # Spidermon's are read by its own modules
            continue
        if key not in defaults:
            nearest = [key.upper()] if key.upper() in defaults else difflib.get_close_matches(key, defaults, n=1)
            hint = f"; did you mean {nearest[0]}?" if nearest else ""
            raise click.BadParameter(f"unknown setting {key}{hint}")
        problem = _kind_problem(defaults[key], text)
        if problem:
            raise click.BadParameter(f"{key}={text}: {problem}")
    return value


def _kind_problem(default: Any, text: str) -> str | None:
    """Why `text` cannot stand for a setting whose default is `default`; None when it can.

    >>> _kind_problem(2.0, "abc"), _kind_problem(5, "1.5"), _kind_problem(True, "yes"), _kind_problem(5, "7")
    ('expected a number', 'expected a whole number', 'expected true/false or 1/0', None)
    """
    if isinstance(default, bool):
        return None if text.strip().lower() in ("0", "1", "true", "false") else "expected true/false or 1/0"
    if isinstance(default, int):
        try:
            int(text)
        except ValueError:
            return "expected a whole number"
    elif isinstance(default, float):
        try:
            float(text)
        except ValueError:
            return "expected a number"
    elif isinstance(default, dict) and not text.strip().startswith("{"):
        return "expected a JSON object"  # Scrapy reads a dict setting given as text as JSON
    return None


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

sites_argument: Decorator = click.argument("sites", nargs=-1, callback=_check_sites)

new_db_option: Decorator = click.option(
    "--db", default="archive.db", show_default=True, callback=_check_new_db, help="SQLite archive to write."
)
existing_db_option: Decorator = click.option(
    "--db", default="archive.db", show_default=True, type=click.Path(exists=True, dir_okay=False)
)
since_option: Decorator = click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    callback=_check_since,
    help="Stop paging once listings are older than this date.",
)
mirror_option: Decorator = click.option(
    "--mirror",
    metavar="URL",
    callback=_check_mirror,
    help="Fetch https://HOST/PATH from URL/HOST/PATH (replicas, tests).",
)
warc_dir_option: Decorator = click.option(
    "--warc-dir", metavar="DIR", help="Where raw WARC captures go [default: warc/ beside --db]."
)
overrides_option: Decorator = click.option(
    "--set",
    "-s",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_check_overrides,
    help="Override a Scrapy setting (a name Scrapy or crawler/fetch/settings.py declares).",
)

verbose_option: Decorator = click.option(
    "--verbose", "-v", is_flag=True, help="Also stream the full log to stderr (it always goes to logs/<run-id>.log)."
)


def replay_option(description: str) -> Decorator:
    return click.option(
        "--replay",
        multiple=True,
        metavar="ARCHIVE",
        type=click.Path(exists=True),
        callback=_check_replay,
        help=description,
    )


def redis_option(help_text: str, required: bool = False) -> Decorator:
    """--redis URL, checked before anything starts: redis://, rediss:// or unix://."""

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise click.BadParameter(f"{value!r} is not a redis://HOST:PORT/DB URL", ctx, param)
        return value

    return click.option("--redis", "redis_url", metavar="URL", required=required, callback=check, help=help_text)
