"""What we know of each CMS and site, as data and pure rules: profiles, article and listing
URLs, pagination, feeds, the D1N interstitial, topic and province. Imports only records and text."""
