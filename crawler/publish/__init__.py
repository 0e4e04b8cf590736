"""What journalists and tools see: the search query language, presentation helpers and raw
captures for Datasette (datasette/plugins import only this package and store)."""
