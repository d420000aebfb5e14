"""Open data: bulk exports of the public register (CSV, JSON, Parquet) with a manifest, and the change feed
(JSON and Atom)."""
