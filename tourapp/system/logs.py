"""The app's log: one line per record with time, level and logger, on standard error.

Under gunicorn and ``flask run`` alike, records of every ``tourapp.*`` logger (the app's
own, ``app.logger``, is named ``tourapp``) go to one handler with this format; without it
Python prints them bare, with no time or level. Requests are logged by the server in
front (gunicorn's access log in ``deploy/``, werkzeug's under ``flask run``), not here.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
"""e.g. ``2026-12-03 16:20:01,123 ERROR tourapp.stopsfile.store: refused …``."""


class _AppHandler(logging.StreamHandler):
    """The handler this module installs, told apart from others so it is installed once.

    It writes to whatever ``sys.stderr`` is when a record comes (as Python's last-resort
    handler does), so a test that captures standard error never leaves it a closed stream.
    """

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass  # StreamHandler.__init__ sets it; the property above decides


def configure(debug: bool = False, *, command: bool = False,
              testing: bool = False) -> logging.Logger:
    """Give the ``tourapp`` logger its one-line handler (once per process) and a level.

    ``command``: an organiser's command prints its own output; the log adds only warnings.
    ``testing``: no handler, records go to the root logger (pytest's caplog) as they come.
    """
    logger = logging.getLogger("tourapp")
    ours = [h for h in logger.handlers if isinstance(h, _AppHandler)]
    if testing:
        for handler in ours:  # the process may have built a production app before
            logger.removeHandler(handler)
    elif not ours:
        handler = _AppHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    # Records still propagate to the root logger: a test's caplog, or a deployment that
    # configures logging itself (gunicorn --log-config), sees them too.
    logger.setLevel(logging.DEBUG if debug else logging.WARNING if command else logging.INFO)
    return logger
