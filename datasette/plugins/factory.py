"""The Datasette app `congdoan serve` runs, made the way `datasette serve` would make it
from datasette/ (metadata, settings, plugins, templates), as a factory, so that uvicorn can
run one copy per worker process: `uvicorn --factory plugins.factory:create_app`.

What to serve and how comes from the environment, which `congdoan serve` sets:
CONGDOAN_SERVED (the snapshot), CONGDOAN_SETTINGS (a JSON object over settings.json),
CONGDOAN_NO_SQL (no arbitrary SQL at all), DATASETTE_SECRET (one signing secret for all
the workers). Loaded as a plugin too, it registers no hooks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.utils import parse_metadata

FOLDER = Path(__file__).resolve().parent.parent  # datasette/


def configuration() -> tuple[dict[str, Any], dict[str, Any]]:
    """(metadata, settings) from datasette/ and the environment."""
    metadata = parse_metadata((FOLDER / "metadata.yml").read_text(encoding="utf-8"))
    if os.environ.get("CONGDOAN_NO_SQL"):
        metadata["allow_sql"] = False  # the search, feeds and pages stay: canned queries need no SQL permission
    settings = json.loads((FOLDER / "settings.json").read_text(encoding="utf-8"))
    settings.update(json.loads(os.environ.get("CONGDOAN_SETTINGS") or "{}"))
    return metadata, settings


def archive_datasette(served: str) -> Datasette:
    """Datasette over the snapshot `served`, configured from datasette/ (the tests take it
    as it is, with Datasette's own client)."""
    metadata, settings = configuration()
    return Datasette(
        immutables=[served],
        metadata=metadata,
        settings=settings,
        plugins_dir=str(FOLDER / "plugins"),
        template_dir=str(FOLDER / "templates"),
        secret=os.environ.get("DATASETTE_SECRET"),
    )


def create_app() -> Any:
    return archive_datasette(os.environ["CONGDOAN_SERVED"]).app()
