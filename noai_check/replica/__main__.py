"""``python -m noai_check.replica [--scenario NAME|PATH]``: serve a replica until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from noai_check.replica.scenario import ScenarioError
from noai_check.replica.server import start_replica


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m noai_check.replica", description=__doc__)
    parser.add_argument("--scenario", default="soundcloud", help="scenario name or path to a JSON file")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    try:
        replica = start_replica(args.scenario, verbose=args.verbose)
    except ScenarioError as error:
        print(f"replica: {error}", file=sys.stderr)
        return 2
    hosts = "".join(f", {name} {origin}" for name, origin in replica.hosts.items())
    print(f"replica: {replica.base_url} (media {replica.media_url}{hosts})", flush=True)
    # SIGTERM takes the same way out as Ctrl-C, so both stop cleanly with status 0.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        replica.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
