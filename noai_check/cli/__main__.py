"""`python -m noai_check.cli`: the same as the `noai-check` command."""

import sys

from noai_check.cli import main

sys.exit(main())
