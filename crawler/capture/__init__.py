"""Raw captures: WARC records written and read back, WACZ packaging, and replay of recorded
archives in place of the network. The store indexes them (the captures table)."""
