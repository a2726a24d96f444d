"""A client for any OSRM HTTP server with a foot profile (``osrm-routed``, a hosted one…).

One request per leg: ``/route/v1/foot/{lon,lat;lon,lat}?steps=true&geometries=geojson
&overview=full``. OSRM's maneuvers are mapped onto the step model of
``tourapp.domain.tour.Step``; OSRM's "new name", "fork", "end of road", roundabouts… all
become ``turn`` (or ``continue`` when they go straight on).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ...domain.tour import LatLon, Step
from . import Route, RoutingError, steps
from .network import MAX_SNAP_M

DEFAULT_TIMEOUT_S = 10.0
MAX_RESPONSE_BYTES = 20 * 1024 * 1024


class OsrmRouter:
    """Walking routes from an OSRM server at ``base_url`` (e.g. ``http://127.0.0.1:5000``)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_snap_m: float = MAX_SNAP_M,
        profile: str = "foot",
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RoutingError(f"{base_url}: the OSRM URL must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_snap_m = max_snap_m
        self.profile = profile

    def url(self, start: LatLon, end: LatLon) -> str:
        """The request URL for one leg (OSRM wants ``lon,lat``)."""
        where = f"{start[1]:.7f},{start[0]:.7f};{end[1]:.7f},{end[0]:.7f}"
        return (
            f"{self.base_url}/route/v1/{self.profile}/{where}"
            "?steps=true&geometries=geojson&overview=full"
        )

    def route(self, start: LatLon, end: LatLon) -> Route:
        """The walking route OSRM finds from ``start`` to ``end``."""
        answer = self._get(self.url(start, end))
        code = answer.get("code")
        if code == "NoSegment":
            raise RoutingError(f"OSRM at {self.base_url} finds no street near a stop")
        if code == "NoRoute":
            raise RoutingError(f"OSRM at {self.base_url} finds no path between the two stops")
        if code != "Ok" or not answer.get("routes"):
            raise RoutingError(
                f"OSRM at {self.base_url} answered {code!r}: {answer.get('message', '')}".rstrip(
                    ": "
                )
            )
        for which, waypoint in zip(("start", "end"), answer.get("waypoints") or [], strict=False):
            gap = float(waypoint.get("distance") or 0)
            if gap > self.max_snap_m:
                raise RoutingError(
                    f"the {which} is {gap:,.0f} m from the nearest street OSRM knows "
                    f"(limit {self.max_snap_m:g} m)",
                    end=which,
                )
        try:
            return _route(answer["routes"][0])
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise RoutingError(
                f"OSRM at {self.base_url} sent a route this tool cannot read: {exc!r}"
            ) from None

    def _get(self, url: str) -> dict:
        request = urllib.request.Request(url, headers={"User-Agent": "tourapp (tour route)"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            # OSRM answers 400 with a JSON body for NoSegment, InvalidQuery…
            body = exc.read(MAX_RESPONSE_BYTES + 1)
            try:
                return json.loads(body)
            except ValueError:
                raise RoutingError(
                    f"OSRM at {self.base_url} answered HTTP {exc.code} {exc.reason}"
                ) from None
        except TimeoutError:
            raise RoutingError(
                f"OSRM at {self.base_url} did not answer within {self.timeout_s:g} s"
            ) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise RoutingError(
                    f"OSRM at {self.base_url} did not answer within {self.timeout_s:g} s"
                ) from None
            raise RoutingError(f"cannot reach OSRM at {self.base_url}: {reason}") from None
        except OSError as exc:
            raise RoutingError(f"cannot reach OSRM at {self.base_url}: {exc}") from None
        if len(body) > MAX_RESPONSE_BYTES:
            raise RoutingError(
                f"OSRM at {self.base_url} sent more than {MAX_RESPONSE_BYTES:,} bytes"
            )
        try:
            answer = json.loads(body)
        except ValueError:
            raise RoutingError(f"OSRM at {self.base_url} did not answer with JSON") from None
        if not isinstance(answer, dict):
            raise RoutingError(f"OSRM at {self.base_url} did not answer with a JSON object")
        return answer


def _route(route: dict) -> Route:
    """OSRM's route object → ``Route`` (``[lon, lat]`` → ``(lat, lon)`` here)."""
    path = tuple((float(lat), float(lon)) for lon, lat in route["geometry"]["coordinates"])
    found = [_step(step) for leg in route["legs"] for step in leg["steps"]]
    # A multi-leg answer repeats arrive/depart between legs: keep the first and last only.
    found = [
        s
        for i, s in enumerate(found)
        if not (
            (s.maneuver == "arrive" and i < len(found) - 1) or (s.maneuver == "depart" and i > 0)
        )
    ]
    return Route(path, float(route["distance"]), steps.merge(found))


def _step(step: dict) -> Step:
    """One OSRM step → one step of the model."""
    maneuver = step["maneuver"]
    kind = maneuver["type"]
    lon, lat = maneuver["location"]
    street = step.get("name") or ""
    distance = round(float(step.get("distance") or 0), 1)
    if kind == "depart":
        return Step(
            "depart",
            steps.cardinal(float(maneuver.get("bearing_after", 0))),
            street,
            distance,
            (lat, lon),
        )
    if kind == "arrive":
        return Step("arrive", "", street, 0.0, (lat, lon))
    modifier = maneuver.get("modifier") or "straight"
    if modifier not in steps.DIRECTIONS:
        modifier = "straight"
    return Step(
        "continue" if modifier == "straight" else "turn", modifier, street, distance, (lat, lon)
    )
