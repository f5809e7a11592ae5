"""``python -m hostinger_api``: the same command line as ``hostinger-api``."""

import sys

from hostinger_api.cli import main

sys.exit(main())
