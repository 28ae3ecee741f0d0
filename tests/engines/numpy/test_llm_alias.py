"""The old import path ``shapiq_spex.llm`` is an alias of ``shapiq_spex.engines.numpy``."""

from __future__ import annotations

import importlib

import pytest

pytest.importorskip("gguf", reason="the llm extra (gguf) is not installed")
pytest.importorskip("tokenizers", reason="the llm extra (tokenizers) is not installed")

import shapiq_spex.engines.numpy as engine
import shapiq_spex.llm as alias


def test_alias_exports_the_same_public_objects() -> None:
    assert alias.__all__ == engine.__all__
    for name in engine.__all__:
        assert getattr(alias, name) is getattr(engine, name), name


@pytest.mark.parametrize(
    "submodule", ["_deps", "blockwise", "gguf_loader", "lm", "model", "scorers", "tokenizer"]
)
def test_old_submodule_paths_are_the_moved_modules(submodule: str) -> None:
    old = importlib.import_module(f"shapiq_spex.llm.{submodule}")
    assert old is importlib.import_module(f"shapiq_spex.engines.numpy.{submodule}")


def test_old_from_import_of_a_submodule_name_works() -> None:
    from shapiq_spex.llm.blockwise import BlockwiseContext as old

    from shapiq_spex.engines.numpy.blockwise import BlockwiseContext

    assert old is BlockwiseContext
