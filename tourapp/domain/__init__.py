"""Pure domain values: the tour, its schedule, distances. No Flask, no files."""
