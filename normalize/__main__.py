"""``python -m normalize``: the same as the ``normalize`` command."""

import sys

from normalize.cli import main

sys.exit(main())
