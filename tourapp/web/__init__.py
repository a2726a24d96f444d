"""HTTP: blueprints, cached and compressed responses, headers, the static export."""
