"""The one place a router is built from a command's options: a network file or OSRM."""

from __future__ import annotations

import os

from . import Router


def open_router(
    network: str | os.PathLike | None = None,
    osrm_url: str | None = None,
    *,
    name_property: str | None = None,
    timeout_s: float | None = None,
    max_snap_m: float | None = None,
) -> Router:
    """The router the options name: OSRM at ``osrm_url``, else the network file.

    The one place a router is built from options (every command that routes);
    ``None`` keeps the engine's default. ``RoutingError`` when the network is unusable.
    """
    if network and osrm_url:
        raise ValueError("give one of a network file or an OSRM URL, not both")
    # Imported here: networkx is slow to import and only commands route.
    from .network import DEFAULT_NAME_PROPERTY, MAX_SNAP_M, NetworkRouter

    snap_m = MAX_SNAP_M if max_snap_m is None else max_snap_m
    if osrm_url:
        from .osrm import DEFAULT_TIMEOUT_S, OsrmRouter

        timeout = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
        return OsrmRouter(osrm_url, timeout_s=timeout, max_snap_m=snap_m)
    if not network:
        raise ValueError("a network file or an OSRM URL is needed")
    return NetworkRouter.from_file(
        network, name_property or DEFAULT_NAME_PROPERTY, max_snap_m=snap_m
    )
