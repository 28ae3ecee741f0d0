"""``python -m shapiq_spex.cli ...`` runs the ``shapiq-spex`` command."""

import sys

from .commands import main

if __name__ == "__main__":
    sys.exit(main())
