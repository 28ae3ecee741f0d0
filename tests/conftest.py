"""Fixtures shared across test folders."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def lm():
    """SmolLM2 run offline (one BLAS thread); skips without the llm extra or the weights."""
    pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
    pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")
    from shapiq_spex.engines.numpy import default_model_path, load_language_model

    try:
        default_model_path()
    except ImportError as error:
        pytest.skip(str(error))
    return load_language_model(blas_threads=1)
