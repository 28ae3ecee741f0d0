"""``python -m benchmarks run|report|micro|list``: :func:`shapiq_spex.cli.bench.main`.

Results default to ``benchmarks/results/``. Examples::

    python -m benchmarks run --suite quick
    python -m benchmarks run --suite spex-vs-shapiq        # or proxyspex-vs-shapiq, full
    python -m benchmarks report benchmarks/results/full.json --merge rerun.json --methods proxyspex
    python -m benchmarks micro cache                       # or extraction
"""

import sys
from pathlib import Path

from shapiq_spex.cli.bench import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], default_out=Path(__file__).parent / "results"))
