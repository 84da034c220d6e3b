"""The error types the command line turns into a one-line message and an exit code (2, or its own)."""

from __future__ import annotations


class NoaiCheckError(Exception):
    """A problem the user can fix (bad input, missing file); shown without a traceback."""


class IncompleteRunError(NoaiCheckError):
    """The input was fine but the work could not be finished (an archive that stopped answering): exit 1, not 2."""

    exit_code = 1
