"""What the service worker stores at the first visit: how many URLs and how many bytes.

    .venv/bin/python benchmarks/offline_size.py [stops.geojson]

Prints each precached URL with its size, then the totals (raw and gzip-compressed,
the latter close to what a phone downloads). Map tiles are not included: the worker
keeps only the tiles the user viewed, at most 300 (OFFLINE_TILE_CACHE_MAX).
"""

from __future__ import annotations

import gzip
import sys

from tourapp import create_app


def main() -> None:
    """Print the precache list with sizes and totals."""
    config = {"TESTING": True}
    if len(sys.argv) > 1:
        config["TOUR_DATA"] = sys.argv[1]
    client = create_app(config).test_client()
    listing = client.get("/offline.json").get_json()
    raw = packed = 0
    for url in listing["precache"]:
        response = client.get(url)
        body = response.get_data()
        response.close()
        if response.status_code != 200:  # an error page's bytes are not what is stored
            raise SystemExit(f"benchmark invalid: {url} answered {response.status}")
        raw += len(body)
        packed += len(gzip.compress(body, 6))
        print(f"{len(body):>9,} B  {url}")
    count = len(listing["precache"])
    print(f"version {listing['version']}: {count} URLs, {raw / 1024:,.1f} KiB raw, "
          f"{packed / 1024:,.1f} KiB gzip")


if __name__ == "__main__":
    main()
