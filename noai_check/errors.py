"""The one error type the command line turns into a one-line message and exit code 2."""

from __future__ import annotations


class NoaiCheckError(Exception):
    """A problem the user can fix (bad input, missing file); shown without a traceback."""
