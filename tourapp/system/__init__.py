"""The machine's side: durable writes, collector pauses, compiled catalogs."""
