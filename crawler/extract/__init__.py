"""HTML -> Article, pure and deterministic: decoding, the CMS profile's reading with JSON-LD,
OpenGraph and trafilatura fallbacks, the generic path, validation and the article schema."""
