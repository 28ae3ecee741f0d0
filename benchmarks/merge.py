"""Replace one method's records in a suite's results JSON by those of a later run.

For a change that touches one method only: re-run that method with ``--methods`` and splice its
records into the full results instead of re-running every baseline. Each replaced record is
matched on (game, instance, budget, seed, method); the merged JSON says which methods came
from which run (``settings["merged"]``), and the report prints it.

Run: ``python -m benchmarks.merge BASE.json PATCH.json --methods proxyspex [--out OUT.json]``,
then ``python -m benchmarks report OUT.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _key(record: dict) -> tuple:
    return (record["game"], record["instance"], record["budget"], record["seed"], record["method"])


def merge(base: dict, patch: dict, methods: set[str]) -> dict:
    """``base`` with the records of ``methods`` taken from ``patch``.

    Raises:
        ValueError: If ``patch`` lacks a record that ``base`` has for one of ``methods``.
    """
    replacement = {_key(r): r for r in patch["records"] if r["method"] in methods}
    records = []
    for record in base["records"]:
        if record["method"] in methods:
            key = _key(record)
            if key not in replacement:
                msg = f"the patch run has no record for {key}"
                raise ValueError(msg)
            record = replacement[key]
        records.append(record)
    for method in methods:
        if method in patch.get("warmups", {}):
            base.setdefault("warmups", {})[method] = patch["warmups"][method]
    merged = dict(base, records=records)
    merged["settings"] = dict(base["settings"])
    merged["settings"]["merged"] = {
        "methods": sorted(methods),
        "from_run": patch["environment"],
        "wall_s_of_patch_run": patch.get("wall_s"),
    }
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", type=Path)
    parser.add_argument("patch", type=Path)
    parser.add_argument("--methods", required=True, help="comma-separated method keys")
    parser.add_argument("--out", type=Path, default=None, help="default: overwrite BASE")
    args = parser.parse_args()
    methods = {m for m in args.methods.split(",") if m}
    merged = merge(json.loads(args.base.read_text()), json.loads(args.patch.read_text()), methods)
    out = args.out or args.base
    out.write_text(json.dumps(merged, indent=1, default=str))
    print(f"wrote {out}: {', '.join(sorted(methods))} from {args.patch}")


if __name__ == "__main__":
    main()
