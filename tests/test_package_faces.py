"""The subpackage faces list exactly what users call, so a face cannot grow silently.

A name added to (or dropped from) a face's ``__all__`` fails here until the list below changes
with it; the building blocks stay importable from the modules that define them.
"""

from __future__ import annotations

import importlib

import pytest

FACES = {
    "shapiq_spex.proxy": [
        "MIN_BUDGET",
        "PROXY_MODELS",
        "SAMPLING_DESIGNS",
        "Distillation",
        "Forest",
        "Proxy",
        "ProxyResult",
        "TreeOptions",
        "distil",
        "forest_spectrum",
        "make_proxy",
        "model_spectrum",
        "proxy_fourier_transform",
    ],
    "shapiq_spex.engines.numpy": [
        "LLMAnswerScorer",
        "LLMSentimentScorer",
        "LanguageModel",
        "default_model_path",
        "load_language_model",
    ],
}

MOVED = {
    "shapiq_spex.proxy.fitting": ["ProxyFit", "ProxyTrainer"],
    "shapiq_spex.proxy.refit": [
        "SupportFit",
        "extend_by_residual",
        "fit_support",
        "hierarchical_order",
        "refit_all",
    ],
    "shapiq_spex.proxy.extraction": ["booster_fourier", "booster_spectrum"],
    "shapiq_spex.proxy.sampling": ["sample_masks"],
    "shapiq_spex.engines.numpy._deps": ["INSTALL_HINT", "require_llm_dependencies"],
    "shapiq_spex.engines.numpy.gguf_loader": [
        "GGUFModel",
        "LlamaConfig",
        "TokenizerSpec",
        "dequantize",
        "read_gguf",
    ],
    "shapiq_spex.engines.numpy.model": ["ForwardOutput", "KVCache", "LlamaModel"],
    "shapiq_spex.engines.numpy.tokenizer": ["Tokenizer"],
    "shapiq_spex.engines.base": ["PrefixCache"],
    "shapiq_spex.engines.prompts": ["split_template"],
}
"""Names the faces used to list, with the module each is imported from now."""


def _import(name: str):
    if name.startswith("shapiq_spex.engines.numpy"):
        pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
        pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")
    return importlib.import_module(name)


@pytest.mark.parametrize("face", list(FACES))
def test_face_lists_exactly_the_user_entry_points(face: str) -> None:
    assert sorted(_import(face).__all__) == sorted(FACES[face])


@pytest.mark.parametrize("face", list(FACES))
def test_every_name_of_a_face_is_importable(face: str) -> None:
    module = _import(face)
    namespace: dict[str, object] = {}
    exec(f"from {face} import *", namespace)  # the star import users may write
    missing = [name for name in module.__all__ if name not in namespace]
    assert not missing, f"{face}.__all__ names what the face does not define: {missing}"


@pytest.mark.parametrize("module", list(MOVED))
def test_names_dropped_from_a_face_stay_in_their_modules(module: str) -> None:
    found = _import(module)
    missing = [name for name in MOVED[module] if not hasattr(found, name)]
    assert not missing, f"{module} lacks {missing}"


def test_the_llm_alias_follows_the_trimmed_face() -> None:
    _import("shapiq_spex.engines.numpy")
    alias = importlib.import_module("shapiq_spex.llm")
    assert sorted(alias.__all__) == sorted(FACES["shapiq_spex.engines.numpy"])
    # the old deep imports of internals keep working through the aliased submodules
    from shapiq_spex.llm.gguf_loader import read_gguf
    from shapiq_spex.llm.model import LlamaModel
    from shapiq_spex.llm.tokenizer import Tokenizer

    assert read_gguf.__module__ == "shapiq_spex.engines.numpy.gguf_loader"
    assert LlamaModel.__module__ == "shapiq_spex.engines.numpy.model"
    assert Tokenizer.__module__ == "shapiq_spex.engines.numpy.tokenizer"
