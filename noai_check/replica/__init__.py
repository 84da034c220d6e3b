"""A local replica of a content platform (first: SoundCloud) for offline crawls and tests.

``start_replica()`` serves a scenario (see ``scenario.py`` for the file format) on two
loopback ports and says, page by page, what a correct crawler must find there.
"""

from __future__ import annotations

from noai_check.replica.model import Expect, Scenario
from noai_check.replica.scenario import ScenarioError, load_scenario
from noai_check.replica.server import Replica, start_replica

__all__ = ["Expect", "Replica", "Scenario", "ScenarioError", "load_scenario", "start_replica"]
