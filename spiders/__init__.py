"""One declarative module per site: a few class attributes on the base for its CMS."""
