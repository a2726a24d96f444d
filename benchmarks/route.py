"""Timings of the embedded router on the city's network: load, snap and route every leg.

Usage: .venv/bin/python benchmarks/route.py [NETWORK] [STOPS]
(defaults: data/montpellier/voies.geojson, the committed clip of the walk's area, and
data/stops.geojson; give the city's whole voies.geojson to compare). Prints figures;
asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from _common import machine

from tourapp import stopsfile
from tourapp.geodata.routing.network import NetworkRouter

ROOT = Path(__file__).resolve().parent.parent  # the repository


def main() -> None:
    network = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "montpellier" / "voies.geojson"
    )
    stops = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "data" / "stops.geojson"
    tour = stopsfile.load(stops)
    print(f"route — {machine()}")

    loads = []
    for _ in range(3):
        started = time.perf_counter()
        router = NetworkRouter.from_file(network)
        loads.append(time.perf_counter() - started)
    graph = router.graph
    print(
        f"network: {network.name}, {network.stat().st_size / 1e6:.1f} MB, "
        f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"
    )
    print(f"load + graph build: median {statistics.median(loads) * 1000:.0f} ms of 3")

    pairs = list(zip(tour.stops, tour.stops[1:], strict=False))
    for a, b in pairs:
        times = []
        for _ in range(20):
            started = time.perf_counter()
            route = router.route(a.location, b.location)
            times.append(time.perf_counter() - started)
        print(
            f"{a.id} → {b.id}: {route.distance_m:,.0f} m, {len(route.steps)} steps, "
            f"median {statistics.median(times) * 1000:.1f} ms of 20"
        )


if __name__ == "__main__":
    main()
