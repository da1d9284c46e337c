"""``python -m poce_rt.cli``: the ``poce-rt`` console script."""
import sys

from . import main

sys.exit(main())
