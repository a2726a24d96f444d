"""The router options every routing command shares, and the one router they build."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass

import click
from flask import current_app, has_app_context
from flask_babel import gettext

from ..geodata.routing import Router, RoutingError
from ..geodata.routing.engines import open_router
from ..geodata.routing.network import DEFAULT_NAME_PROPERTY, MAX_SNAP_M
from .errors import CommandError


@dataclass(frozen=True)
class Routing:
    """How a command routes: a network file or an OSRM server, as the options chose."""

    network: str | None
    osrm_url: str | None
    name_property: str
    timeout_s: float
    max_snap_m: float

    @property
    def default_network(self) -> bool:
        """True when no engine was named: the ROUTING_NETWORK setting's network is used."""
        return not (self.network or self.osrm_url)

    def notes(self) -> list[str]:
        """Advice after a routing failure: the default network covers only the seeded area."""
        if not self.default_network:
            return []
        return [gettext(
            "the network is the ROUTING_NETWORK setting, %(file)s; give --network FILE or "
            "--osrm URL to route on another one", file=str(self.network_file()))]

    def network_file(self) -> str | None:
        """The network file routed on (the setting's when none was given), or None for OSRM."""
        if self.osrm_url:
            return None
        return self.network or current_app.config["ROUTING_NETWORK"]

    def open(self, path: str | os.PathLike) -> Router:
        """The router; a ``CommandError`` naming the file left unchanged when unusable."""
        try:
            return open_router(
                self.network_file(), self.osrm_url, name_property=self.name_property,
                timeout_s=self.timeout_s, max_snap_m=self.max_snap_m,
            )
        except RoutingError as exc:
            raise CommandError(gettext("bad network: %(problem)s", problem=str(exc)),
                               notes=self.notes(), path=path,
                               localized=has_app_context()) from None


def routing_options(command: Callable) -> Callable:
    """Add the router options to a command; it receives them as one ``routing`` argument."""

    @functools.wraps(command)
    def wrapper(*args, network, osrm_url, name_property, timeout, max_snap, **kwargs):
        if network and osrm_url:
            raise click.UsageError("give one of --network FILE or --osrm URL, not both")
        routing = Routing(network, osrm_url, name_property, timeout, max_snap)
        return command(*args, routing=routing, **kwargs)

    options = [
        click.option("--network", type=click.Path(dir_okay=False),
                     help="Street centre-line GeoJSON to route on (embedded router); "
                     "default: the ROUTING_NETWORK setting, the city's streets around the walk."),
        click.option("--name-property", default=DEFAULT_NAME_PROPERTY, show_default=True,
                     help="Property of the network's lines that holds the street name."),
        click.option("--osrm", "osrm_url", metavar="URL",
                     help="Base URL of an OSRM server with a foot profile, "
                     "e.g. http://127.0.0.1:5000."),
        click.option("--timeout", default=10.0, show_default=True,
                     type=click.FloatRange(0.1, 600),
                     help="Seconds to wait for each OSRM answer."),
        click.option("--max-snap", default=MAX_SNAP_M, show_default=True,
                     type=click.FloatRange(1, 100),
                     help="Largest distance in metres from a stop to the street it starts from."),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper
