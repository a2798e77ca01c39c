"""`python -m smarthall` is the `smarthall` command."""

import sys

from .cli import main

sys.exit(main())
