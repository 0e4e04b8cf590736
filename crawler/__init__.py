"""congdoan-archive, one package per stage of the flow: sites -> fetch -> capture -> extract ->
store -> publish, with ops (the congdoan command) on top and records and text at the base.
docs/architecture.md draws it; import-linter contracts in pyproject.toml keep it so."""

__version__ = "0.1.0"
