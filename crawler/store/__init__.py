"""archive.db: migrations, SQL by table family (it writes what the stages decided), the item
pipeline, duplicate linking, versions, rowids, the crawl lock and re-extraction."""
