"""``python -m corridorsim`` runs the command line."""

import sys

from corridorsim.cli import main

sys.exit(main())
