"""``python -m benchmarks run --suite quick [--out DIR]``: the faithfulness benchmark suite.

Delegates to :func:`shapiq_spex.bench.main`; results default to ``benchmarks/results/``.
"""

import sys
from pathlib import Path

from shapiq_spex.bench import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], default_out=Path(__file__).parent / "results"))
