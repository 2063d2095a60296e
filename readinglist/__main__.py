"""``python -m readinglist`` is the ``readinglist`` command."""

import sys

from .cli import main

sys.exit(main())
