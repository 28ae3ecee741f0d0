"""``argparse`` argument types shared by the command-line entry points.

Standard library only, except :func:`picture_path`, which asks matplotlib for its formats.

Each raises ``argparse.ArgumentTypeError``, which argparse reports in one line with exit code
2 before the command does anything (in particular before any query is paid for).
"""

from __future__ import annotations

import argparse
import errno
import os
from pathlib import Path

__all__ = [
    "key_list",
    "non_negative_int",
    "open_fraction",
    "output_folder",
    "output_path",
    "picture_path",
    "positive_float",
    "positive_int",
]


def _integer_at_least(text: str, minimum: int, expected: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1, else an ``argparse`` error (one line, exit code 2)."""
    return _integer_at_least(text, 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """An integer >= 0, else an ``argparse`` error (one line, exit code 2)."""
    return _integer_at_least(text, 0, "an integer >= 0")


def positive_float(text: str) -> float:
    """A number > 0, else an ``argparse`` error (one line, exit code 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def open_fraction(text: str) -> float:
    """A number strictly between 0 and 1 (e.g. a target R²), else an ``argparse`` error."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number between 0 and 1 (exclusive), got {text!r}"
        ) from None
    if not 0 < value < 1:  # also refuses nan
        raise argparse.ArgumentTypeError(
            f"expected a number between 0 and 1 (exclusive), got {value}"
        )
    return value


def key_list(text: str) -> list[str]:
    """Comma-separated keys (``"a,b"``), else an ``argparse`` error when none is given."""
    keys = [part.strip() for part in text.split(",") if part.strip()]
    if not keys:
        raise argparse.ArgumentTypeError(f"expected comma-separated keys, got {text!r}")
    return keys


def output_folder(text: str) -> Path:
    """A folder that can be written in now or created, else an ``argparse`` error.

    Nothing is created here (the command creates the folder when it writes its first file);
    a file in the way or a folder without write permission fails before any work.
    """
    path = Path(text)
    if not text:
        raise argparse.ArgumentTypeError("expected a folder, got ''")
    found = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not found.is_dir():
        if found == path:
            raise argparse.ArgumentTypeError(f"{path} is a file; give a folder")
        raise argparse.ArgumentTypeError(
            f"{found} is a file, not a folder, so {path} cannot be created"
        )
    if not os.access(found, os.W_OK | os.X_OK):
        what = "write in" if found == path else f"create {path} in"
        raise argparse.ArgumentTypeError(f"cannot {what} {found}: Permission denied")
    return path


def output_path(text: str) -> Path:
    """A file path that can be written now, else an ``argparse`` error (one line, exit code 2).

    Checked by opening it for writing (an existing file is not changed; a new one is created
    and removed again): a read-only folder or file system fails here, before any query, not
    after a paid run.
    """
    path = Path(text)
    if not text:
        raise argparse.ArgumentTypeError("expected a file path, got ''")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a folder; give a file path inside it")
    folder = path.parent
    if not folder.is_dir():
        found = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if found is not None and not found.is_dir():
            raise argparse.ArgumentTypeError(
                f"{found} is a file, not a folder, so {path} cannot be written"
            )
        raise argparse.ArgumentTypeError(
            f"the folder {folder} does not exist; create it first (mkdir -p {folder})"
        )
    try:
        _try_writing(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise argparse.ArgumentTypeError(f"cannot write {path}: {reason}") from None
    return path


def picture_path(text: str) -> Path:
    """A writable file path (:func:`output_path`) whose extension names a picture format.

    Matplotlib picks the format from the extension and appends ``.png`` to a path without
    one, so both a missing and an unknown extension are refused here, before any query.
    """
    path = output_path(text)
    from matplotlib.backend_bases import FigureCanvasBase

    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in formats:
        got = f"'.{suffix}'" if suffix else "none"
        raise argparse.ArgumentTypeError(
            f"{path}: the extension names the picture format, one of {', '.join(formats)} "
            f"(got {got})"
        )
    return path


def _try_writing(path: Path) -> None:
    """Raise the OSError that writing ``path`` would raise, leaving the file system as it was."""
    if path.exists():
        if not path.is_file():  # a device or a pipe: opening it may block; ask the kernel
            if not os.access(path, os.W_OK):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return
        os.close(os.open(path, os.O_WRONLY))  # no O_TRUNC: the content stays
        return
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    path.unlink()
