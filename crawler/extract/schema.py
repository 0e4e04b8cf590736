"""Every stored article, and every photo's media row, is checked against
crawler/extract/article.schema.json. Pure.

The schema is the contract downstream tools rely on (docs/schema.md); a crawl whose
articles break it fails its monitor instead of quietly filling the archive with them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from crawler.records import Article

SCHEMA_PATH = Path(__file__).with_name("article.schema.json")


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def schema_errors(article: Article) -> list[str]:
    """`field: problem` for each way the article breaks the schema; empty when it is valid."""
    return _problems(_validator(), article.as_dict(), "(article)")


@cache
def _media_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator({**schema["$defs"]["media"], "$defs": schema["$defs"]})


def media_errors(row: dict[str, Any]) -> list[str]:
    """The same, for a row of the media table (the schema's `$defs/media`)."""
    return _problems(_media_validator(), row, "(media)")


def _problems(validator: Draft202012Validator, instance: dict[str, Any], whole: str) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or whole}: {error.message}"
        for error in validator.iter_errors(instance)
    ]
