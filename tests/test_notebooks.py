"""The fast notebooks execute without error, from their definitions in notebooks/build.py."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
_spec = importlib.util.spec_from_file_location("nb_build", ROOT / "notebooks" / "build.py")
nb_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nb_build)

FAST = ["data_attribution", "text_sentiment"]


@pytest.mark.parametrize("name", FAST)
def test_notebook_executes_and_its_assertions_hold(name, tmp_path, monkeypatch):
    # Build into a temporary folder: the committed notebook is not rewritten by tests.
    monkeypatch.setattr(nb_build, "HERE", tmp_path)
    path = nb_build.build(name, timeout=900)
    import nbformat

    nb = nbformat.read(path, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    committed = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in nb.cells]
