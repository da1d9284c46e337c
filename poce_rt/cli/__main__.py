"""``python -m poce_rt.cli``: the ``poce-rt`` console script."""
import sys

from . import main

if __name__ == "__main__":   # not when re-imported by a spawned process (train --nproc)
    sys.exit(main())
