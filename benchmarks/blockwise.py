"""Blockwise vs full attention for masked long documents: fidelity and speed, side by side.

Run: ``python -m benchmarks.blockwise`` (options ``--masks 30 --seed 0 --out DIR``).

Both scorers are ``LLMSentimentScorer`` on the same numpy SmolLM2-135M, one BLAS thread, the
default few-shot prompt; ``context="full"`` runs every masked text through the whole model,
``context="blockwise"`` encodes each sentence once and runs only the prompt's end per text
(see ``shapiq_spex.engines.numpy.blockwise``). Documents: the bundled 2,000-word review
(``benchmarks/data/long_review.txt``, sentences as players) and the 252-word ``headphones``
review of the benchmark data (sentences). For each, ``--masks`` uniform random masks over the
sentences are scored by both; reported: Pearson r and R² of the blockwise scores against the
full ones (R² with the blockwise score as the prediction, no refit), seconds per masked text
of each (blockwise: with the blocks already encoded, and the one-off time to encode them), the
speed-up (also counting the encoding against these masks only), and whether the blocks'
tokens (each block tokenized on its own) equal the tokens of the whole masked text.
Writes ``benchmarks/results/blockwise.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from shapiq_spex.bench.games import reviews
from shapiq_spex.bench.harness import environment
from shapiq_spex.engines.numpy import LLMSentimentScorer, load_language_model
from shapiq_spex.games import MaskedTextGame
from shapiq_spex.metrics import r2_score, uniform_masks

HERE = Path(__file__).parent
LONG_DOCUMENT = HERE / "data" / "long_review.txt"


def _timed(scorer: LLMSentimentScorer, texts: list[str]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    values = scorer(texts)
    return values, (time.perf_counter() - start) / len(texts)


def _same_tokens(scorer: LLMSentimentScorer, texts: list[str]) -> dict:
    """How many masked texts tokenize blockwise exactly as a whole, and the token counts."""
    lm = scorer.lm
    blocks, suffixes = scorer._blocks(texts)
    same, whole_n, parts_n = 0, 0, 0
    for text, row, suffix in zip(texts, blocks, suffixes, strict=True):
        whole = lm.encode(scorer.prompt(text)[len(scorer.head) :])
        parts = scorer.blockwise.block_ids(row) + lm.encode(suffix)
        same += whole == parts
        whole_n += len(whole)
        parts_n += len(parts)
    return {"identical": same, "of": len(texts), "tokens_whole": whole_n, "tokens_blocks": parts_n}


def compare(name: str, text: str, n_masks: int, seed: int) -> dict:
    """Full vs blockwise scores of ``n_masks`` uniform sentence masks of one document."""
    lm = load_language_model(blas_threads=1)
    game = MaskedTextGame(text, lambda t: np.zeros(len(t)), unit="sentence")
    masks = uniform_masks(game.n_players, n_masks, seed)
    texts = [game.masked_text(m) for m in masks]
    full = LLMSentimentScorer(lm, context="full")
    blockwise = LLMSentimentScorer(lm, context="blockwise")
    full_values, full_s = _timed(full, texts)
    start = time.perf_counter()
    blockwise.blockwise.cache(blockwise._blocks(texts)[0])  # encodes every block once
    encode_s = time.perf_counter() - start
    bw_values, bw_s = _timed(blockwise, texts)
    again, _ = _timed(blockwise, texts)
    assert np.array_equal(again, bw_values), "blockwise scoring is not deterministic"
    r = float(np.corrcoef(full_values, bw_values)[0, 1])
    return {
        "document": name,
        "words": len(text.split()),
        "players": game.n_players,
        "masks": n_masks,
        "kept_words_mean": float(np.mean([len(t.split()) for t in texts])),
        "pearson_r": r,
        "r2": r2_score(full_values, bw_values),
        "full_s_per_query": full_s,
        "blockwise_s_per_query": bw_s,
        "blockwise_encode_s": encode_s,
        "blockwise_with_encoding_s_per_query": bw_s + encode_s / n_masks,
        "speedup": full_s / bw_s,
        "speedup_with_encoding": full_s / (bw_s + encode_s / n_masks),
        "blocks_encoded": blockwise.blockwise.n_blocks,
        "tokenization": _same_tokens(blockwise, texts),
        "full_scores": full_values.tolist(),
        "blockwise_scores": bw_values.tolist(),
    }


def _markdown(rows: list[dict]) -> str:
    lines = [
        "| document | players | Pearson r | R² | full s/query | blockwise s/query "
        f"| blocks encoded once (s) | speed-up (with encoding over {rows[0]['masks']}) "
        "| same tokens |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        tok = row["tokenization"]
        lines.append(
            f"| {row['document']} ({row['words']} words) | {row['players']} sentences "
            f"| {row['pearson_r']:.3f} | {row['r2']:.3f} | {row['full_s_per_query']:.2f} "
            f"| {row['blockwise_s_per_query']:.3f} "
            f"| {row['blocks_encoded']} ({row['blockwise_encode_s']:.1f}) "
            f"| {row['speedup']:.0f}× ({row['speedup_with_encoding']:.1f}×) "
            f"| {tok['identical']}/{tok['of']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run both documents and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masks", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    headphones = next(r for r in reviews("long") if r["id"] == "headphones")
    documents = [
        ("long_review.txt", LONG_DOCUMENT.read_text(encoding="utf-8")),
        ("headphones review", headphones["text"]),
    ]
    rows = []
    for name, text in documents:
        rows.append(compare(name, text, args.masks, args.seed))
        print(_markdown(rows[-1:]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {"environment": environment(), "masks": args.masks, "seed": args.seed, "rows": rows}
    (args.out / "blockwise.json").write_text(json.dumps(payload, indent=1))
    (args.out / "blockwise.md").write_text(_markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
