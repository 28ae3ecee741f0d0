"""The fast notebooks execute without error, from their definitions in notebooks/build.py."""

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).parents[1]
_spec = importlib.util.spec_from_file_location("nb_build", ROOT / "notebooks" / "build.py")
nb_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nb_build)

FAST = ["data_attribution", "text_sentiment"]
# A printed line that reports a duration or a speed differs between runs.
_TIMING = re.compile(r"\bin [\d.]+ s\b|per second|queries/s|coalitions/s")


def _figures(nb) -> list[str]:
    """What a notebook states: its printed lines (timings left out) and rendered Markdown."""
    lines = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("name") == "stdout":
                lines += [line for line in output["text"].splitlines() if not _TIMING.search(line)]
            lines += output.get("data", {}).get("text/markdown", "").splitlines()
    return lines


@pytest.mark.parametrize("name", FAST)
def test_notebook_executes_and_its_committed_outputs_match_a_rerun(name, tmp_path, monkeypatch):
    # Build into a temporary folder: the committed notebook is not rewritten by tests.
    monkeypatch.setattr(nb_build, "HERE", tmp_path)
    path = nb_build.build(name, timeout=900)
    import nbformat

    nb = nbformat.read(path, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    committed = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in nb.cells]
    # Every figure the committed notebook shows, its conclusion included, is what the code
    # computes now: a change that moves a number needs `python notebooks/build.py NAME`.
    assert _figures(committed) == _figures(nb)
    assert any("**Conclusion**" in line for line in _figures(nb))


@pytest.mark.parametrize("name", list(nb_build.NOTEBOOKS))
def test_conclusions_are_computed_not_typed(name):
    # A conclusion in a Markdown cell keeps its numbers when the code's results change (the
    # data-attribution notebook said R² 0.09 while its code computed 0.60); every notebook
    # ends with a code cell that writes its conclusion from the computed values.
    cells = nb_build.NOTEBOOKS[name]
    assert not any("Conclusion" in source for kind, source in cells if kind == "md")
    kind, source = cells[-1]
    assert kind == "code" and "display(Markdown(" in source and "**Conclusion**" in source


def test_build_script_has_a_help_and_refuses_unknown_names(capsys):
    with pytest.raises(SystemExit) as info:
        nb_build.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage:" in out and all(name in out for name in nb_build.NOTEBOOKS)
    with pytest.raises(SystemExit) as info:
        nb_build.main(["no_such_notebook"])
    assert info.value.code == 2
    assert "unknown notebook 'no_such_notebook'" in capsys.readouterr().err


# ---------------------------------------------------------------- LLM notebooks, transformers
# The LLM notebooks run with ENGINE="transformers" on a tiny config-built Llama saved to a
# temporary folder (a word-level tokenizer over the notebooks' own words, built in-process);
# a cell appended by the test reports what the notebook computed, as JSON.
LLM_NOTEBOOKS = {
    "llm_documents": """print("CHECK " + json.dumps({
    "scorer": type(game.scorer).__name__, "model": game.scorer.model.name_or_path,
    "n_players": game.n_players, "explained": fsii.n_players, "full": float(full),
    "empty": float(none),
    "prompts": [game.scorer.prompt(game.masked_text(np.full(10, k))) for k in (1, 0)],
    "sum": float(fsii.values.sum()), "r2": float(r2)}))""",
    "model_components": """print("CHECK " + json.dumps({
    "game": type(game).__name__, "model": game.model.name_or_path, "n_players": n,
    "layers": game.layers, "all": float(game(all_heads)[0]), "none": game.empty_value,
    "rows": rows}))""",
}
SPECIALS = ["[PAD]", "[UNK]", "<s>"]
_WORDS = re.compile(r"\w+|[^\w\s]+")


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 4-head Llama and its tokenizer, saved with ``save_pretrained``."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    from shapiq_spex.engines import prompts as _prompts

    corpus = " ".join(src for cells in nb_build.NOTEBOOKS.values() for _, src in cells)
    corpus += " ".join(str(v) for v in vars(_prompts).values() if isinstance(v, str))
    words = sorted(set(_WORDS.findall(corpus.lower())))
    vocab = {token: i for i, token in enumerate(SPECIALS + words)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.post_processor = processors.TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", vocab["<s>"])]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", bos_token="<s>"
    )
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        initializer_range=0.2, pad_token_id=0, bos_token_id=2, eos_token_id=2,
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _run_with_transformers(name: str, folder: Path, budget: int) -> dict:
    from nbformat.v4 import new_code_cell

    parameters = {"ENGINE": "transformers", "HF_MODEL": str(folder), "BUDGET": budget}
    nb = nb_build.make(name, parameters)
    nb.cells.append(new_code_cell("import json\n" + LLM_NOTEBOOKS[name]))
    nb_build.execute(nb, timeout=600)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return json.loads(text.split("CHECK ", 1)[1])


def _answer_logprob(model, tokenizer, prompt: str, answer: str) -> float:
    """Summed log-probability of ``answer`` after ``prompt``: one direct forward pass."""
    import torch

    ids = tokenizer(prompt)["input_ids"]
    target = tokenizer(answer, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(torch.tensor([ids + target])).logits[0].double()
    log_probs = torch.log_softmax(logits, dim=-1).numpy()
    return float(sum(log_probs[len(ids) - 1 + j, t] for j, t in enumerate(target)))


def test_llm_documents_runs_with_a_transformers_model(tiny_llama) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = _run_with_transformers("llm_documents", tiny_llama, budget=200)
    assert out["scorer"] == "TransformersAnswerScorer" and out["model"] == str(tiny_llama)
    assert out["n_players"] == out["explained"] == 10
    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    full, empty = (_answer_logprob(model, tokenizer, p, " Varnia") for p in out["prompts"])
    assert abs(out["full"] - full) < 1e-4 and abs(out["empty"] - empty) < 1e-4
    assert abs(full - empty) > 1e-3  # the documents matter to the model
    # efficiency: the Faith-Shapley values (with the empty set's) sum to v(N) - v(∅); the
    # model runs in float32, so a value differs by ~1e-6 between batches of other shapes
    assert abs(out["sum"] - (full - empty)) < 1e-4 * max(1.0, abs(full - empty))


def _capitals_value(model, tokenizer) -> float:
    from shapiq_spex.games import CAPITALS_TASK

    return float(np.mean([_answer_logprob(model, tokenizer, p, a) for p, a in CAPITALS_TASK]))


def test_model_components_runs_with_a_transformers_model(tiny_llama) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = _run_with_transformers("model_components", tiny_llama, budget=150)
    assert out["game"] == "TransformersHeadAblationGame" and out["model"] == str(tiny_llama)
    assert out["n_players"] == 8 and out["layers"] == [0, 1]  # 2 layers x 4 heads
    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    assert abs(out["all"] - _capitals_value(model, tokenizer)) < 1e-4  # nothing ablated
    with torch.no_grad():  # every head ablated = no attention output in any layer
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
    assert abs(out["none"] - _capitals_value(model, tokenizer)) < 1e-4
    assert abs(out["all"] - out["none"]) > 1e-3
    # pruning table: 5 sizes (1/6 ... 5/6 of the 8 heads) x 4 choices of heads
    assert len(out["rows"]) == 20 and {row[0] for row in out["rows"]} == {1, 3, 4, 5, 7}
    assert all(0 <= row[3] <= 1 for row in out["rows"])
