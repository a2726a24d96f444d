"""The walk as it happens: a guide reports where the group is, every phone follows.

Layers, read downwards only:

- ``views``     the blueprint: guide API, participants' state, guide page, downloads;
- ``shortcut``  unchanged participants' polls answered 304 in front of Flask;
- ``present``   the state as participants, organisers, CSV and GPX see it;
- ``texts``     the scripts' texts, translated on the server;
- ``guide``     checks and applies one guide request to the shared document (pure);
- ``rehearsal`` a guide walking the planned route, as timed requests (pure);
- ``backends``  where that document lives: SQLite (default) or Redis, shared by workers;
- ``tokens``    the guide's signed, expiring, revocable link;
- ``estimate``  pure arithmetic: how the group's delay shifts the remaining stops.
"""
