"""congdoan-archive: a pure core (discover, extract, validate, db) and thin Scrapy adapters."""

__version__ = "0.1.0"
