"""Write and execute the notebooks (outputs are saved in the .ipynb files).

Run: ``python notebooks/build.py [name ...]``. Each notebook is defined here as a list of
markdown / code cells, so its source is reviewable as plain Python; executing it with nbclient
stores the outputs next to the code.

The LLM notebooks start with a cell of parameters (tagged ``parameters``, papermill's
convention): ``ENGINE`` (``"numpy"``, the shipped SmolLM2, or ``"transformers"``), ``HF_MODEL``
and ``BUDGET``. Edit that cell, or run ``papermill nb.ipynb out.ipynb -p ENGINE transformers -p
HF_MODEL <folder or hub id>``; :func:`make` injects values the same way (a cell after it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent
NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}


def notebook(name: str, cells: list[tuple[str, str]]) -> None:
    """Register a notebook: ``cells`` are ``("md" | "code" | "parameters", source)`` pairs."""
    NOTEBOOKS[name] = cells


def engine_parameters(budget: int) -> str:
    """The parameter cell of an LLM notebook."""
    return f"""# Which model to explain.
# ENGINE = "numpy": the shipped SmolLM2-135M-Instruct, run offline in numpy (the results below).
# ENGINE = "transformers": a Hugging Face causal LM, loaded with AutoModelForCausalLM from
#   HF_MODEL, a local folder or a hub id (e.g. "HuggingFaceTB/SmolLM2-360M-Instruct");
#   HF_MODEL = None reads the shipped SmolLM2 GGUF file with transformers (needs `gguf`, ~20 s).
ENGINE = "numpy"
HF_MODEL = None
BUDGET = {budget}  # model queries per method"""


LOAD_HF_MODEL = """from transformers import AutoModelForCausalLM, AutoTokenizer

    if HF_MODEL is None:  # the shipped SmolLM2 weights, read by transformers
        from shapiq_spex.engines.numpy import default_model_path

        source, options = default_model_path().parent, {"gguf_file": default_model_path().name}
    else:
        source, options = HF_MODEL, {}
    tokenizer = AutoTokenizer.from_pretrained(source, **options)
    model = AutoModelForCausalLM.from_pretrained(source, **options)"""


notebook(
    "data_attribution",
    [
        (
            "md",
            """# Data attribution: which training points work together?

Players are **training points**. The value of a coalition `S` is what a model trained only
on `S` predicts for one test point. Here it is the probability of the test point's true class
under a 3-nearest-neighbour classifier. Interactions between training points show:

* **redundancy** (negative pairs): two points that do the same job; either one suffices, so
  together they add less than the sum of their parts;
* **synergy** (positive pairs): points that only help together, e.g. two same-class
  neighbours that outvote an other-class one.

The test point sits on the class boundary of scikit-learn's breast-cancer data, so its 16
nearest training points (the players) come from both classes. We explain the game with `SPEX`,
check its faithfulness on held-out coalitions, and compare with a marginal (order-1)
explanation.""",
        ),
        (
            "code",
            """import time

import matplotlib.pyplot as plt
import numpy as np
import shapiq
from IPython.display import Markdown, display
from sklearn.datasets import load_breast_cancer
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from shapiq_spex import SPEX, ProxySPEX
from shapiq_spex.games import DataAttributionGame
from shapiq_spex.metrics import faithfulness

x, y = load_breast_cancer(return_X_y=True)
x = StandardScaler().fit_transform(x)
# The first test point whose 12 nearest neighbours are 40-60% of one class.
for test in range(len(x)):
    distance = np.linalg.norm(x - x[test], axis=1)
    distance[test] = np.inf
    if 0.4 <= y[np.argsort(distance)[:12]].mean() <= 0.6:
        break
train = np.argsort(distance)[:16]  # players: the 16 nearest training points
game = DataAttributionGame(
    x[train], y[train], x[test], model=KNeighborsClassifier(n_neighbors=3),
    target_class=y[test], min_size=3,
)
labels = [f"p{i}:{'same' if y[j] == y[test] else 'other'}" for i, j in enumerate(train)]
print(f"test point {test} (class {y[test]}); players by distance:", labels)""",
        ),
        (
            "code",
            """probe = np.random.default_rng(0).integers(0, 2, size=(300, game.n_players))
probe = probe.astype(bool)
start = time.perf_counter()
game(probe)
print(f"data game: {300 / (time.perf_counter() - start):.0f} queries per second (3-NN retrain)")

spex = SPEX(game.n_players, max_order=2, index="FBII", random_state=0)
start = time.perf_counter()
fbii = spex.approximate(2000, game)
print(f"SPEX: {spex.budget_used_} queries in {time.perf_counter() - start:.1f} s, "
      f"{len(spex.fourier_)} Fourier terms")
r2 = faithfulness(spex.fourier_, game, game.n_players, m=500, seed=1)
print(f"faithfulness R² of the recovered function on 500 held-out coalitions: {r2:.3f}")

# A marginal explanation as an additive model: v(S) ≈ v(∅) + Σ_{i ∈ S} φ_i (Banzhaf).
banzhaf = SPEX(game.n_players, max_order=1, index="BV", random_state=0).approximate(2000, game)
def additive(masks):
    return banzhaf.baseline_value + masks @ np.array([banzhaf[(i,)] for i in range(game.n_players)])
r2_marginal = faithfulness(additive, game, game.n_players, m=500, seed=1)
print(f"faithfulness R² of the marginal (Banzhaf) model: {r2_marginal:.3f}")
assert r2 > 0.75 and r2 > r2_marginal""",
        ),
        (
            "code",
            """# ProxySPEX on the same number of retrainings: random coalitions, a boosted-tree
# proxy, its spectrum refitted.
proxy = ProxySPEX(game.n_players, max_order=2, index="FBII", random_state=0)
start = time.perf_counter()
fbii_proxy = proxy.approximate(2000, game)
print(f"ProxySPEX: {proxy.budget_used_} queries in {time.perf_counter() - start:.1f} s")
r2_proxy = faithfulness(proxy.fourier_, game, game.n_players, m=500, seed=1)
print(f"faithfulness R² of ProxySPEX on the same held-out coalitions: {r2_proxy:.3f}")
top = sorted(
    (s for s in fbii.interactions if len(s) == 2), key=lambda s: -abs(fbii[s])
)[:10]
agree = np.mean([np.sign(fbii[s]) == np.sign(fbii_proxy[s]) for s in top])
print(f"sign agreement of SPEX's 10 strongest pairs with ProxySPEX: {agree:.0%}")""",
        ),
        (
            "code",
            """pairs = sorted(
    ((s, v) for s, v in fbii.interactions.items() if len(s) == 2), key=lambda kv: kv[1]
)
print("most redundant pairs (negative):")
for s, v in pairs[:5]:
    print(f"  {v:+.3f}  {labels[s[0]]} & {labels[s[1]]}")
print("most synergistic pairs (positive):")
for s, v in pairs[::-1][:5]:
    print(f"  {v:+.3f}  {labels[s[0]]} & {labels[s[1]]}")""",
        ),
        (
            "code",
            """fig = shapiq.upset_plot(fbii, n_interactions=14, feature_names=labels)
fig.suptitle("Strongest Faith-Banzhaf values: single training points and pairs")
plt.show()""",
        ),
        (
            "code",
            """# The conclusion, written from the values computed above (it cannot disagree).
def kind(s):
    return "/".join(sorted(labels[i].split(":")[1] for i in s))  # "same/same", "other/same"...

def listed(group):
    return ", ".join(f"{labels[s[0]]} & {labels[s[1]]} ({v:+.3f})" for s, v in group)

redundant = [(s, v) for s, v in pairs[:5] if v < 0]
synergies = [(s, v) for s, v in pairs[::-1][:5] if v > 0]
mixed = sum(kind(s) == "other/same" for s, _ in synergies)
comparison = (
    f"better than SPEX (R² {r2_proxy:.2f} against {r2:.2f})" if r2_proxy > r2 + 0.005
    else f"worse than SPEX (R² {r2_proxy:.2f} against {r2:.2f})" if r2_proxy < r2 - 0.005
    else f"as well as SPEX (R² {r2_proxy:.2f})"
)
display(Markdown(f\"\"\"**Conclusion** (from the values computed above).
The strongest redundancies are {listed(redundant) or "absent"}; the strongest synergies are
{listed(synergies) or "absent"}. {mixed} of these {len(synergies)} synergies pair a
same-class neighbour with an other-class one: a same-class point is worth most when it has to
outvote an other-class point in the 3-NN vote, a dependence on context that one score per
training point cannot express. The order-2 interaction model recovered by SPEX explains
held-out coalitions with R² = {r2:.2f}; the additive Banzhaf model, from as many retrainings,
reaches {r2_marginal:.2f}. SPEX used {spex.budget_used_} retrainings, where all
2^{game.n_players} coalitions would need {2 ** game.n_players:,}. ProxySPEX, from
{proxy.budget_used_} random coalitions, fits held-out coalitions {comparison}, and gives
{agree:.0%} of SPEX's ten strongest pairs the same sign.\"\"\"))""",
        ),
    ],
)


notebook(
    "text_sentiment",
    [
        (
            "md",
            """# Feature attribution on text: which words act together?

Players are the **words** of a restaurant review. `v(S)` is VADER's compound sentiment of the
review keeping only the words in `S` (VADER is rule-based, with negation, "but" and intensifier
rules, so it has real interactions). We explain it with `SPEX`, measure faithfulness on
held-out maskings, and then use the recovered function to find the fewest words whose
removal flips the sentiment.""",
        ),
        (
            "code",
            """import matplotlib.pyplot as plt
import numpy as np
import shapiq
from IPython.display import Markdown, display

from shapiq_spex import SPEX, ProxySPEX
from shapiq_spex.games import MaskedTextGame, VaderScorer, split_text
from shapiq_spex.metrics import faithfulness
from shapiq_spex.spectral import fewest_changes

text = (
    "I expected to love this place, but the pasta was not good and the service was "
    "painfully slow. The dessert, however, was absolutely wonderful and the staff were "
    "genuinely kind."
)
scorer = VaderScorer()
game = MaskedTextGame(text, scorer)
words = split_text(text)
print(f"{len(words)} words; VADER compound score of the full review: {scorer([text])[0]:+.3f}")""",
        ),
        (
            "code",
            """spex = SPEX(game.n_players, max_order=2, index="FSII", random_state=0)
fsii = spex.approximate(4000, game)
r2 = faithfulness(spex.fourier_, game, game.n_players, m=500, seed=1)
print(f"{spex.budget_used_} queries; faithfulness R² on 500 held-out maskings: {r2:.3f}")

shapley = SPEX(game.n_players, max_order=1, index="SV", random_state=0).approximate(4000, game)
phi = np.array([shapley[(i,)] for i in range(game.n_players)])
r2_marginal = faithfulness(lambda m: m @ phi, game, game.n_players, m=500, seed=1)
print(f"faithfulness R² of the additive Shapley model: {r2_marginal:.3f}")

pairs = sorted(
    ((s, v) for s, v in fsii.interactions.items() if len(s) == 2), key=lambda kv: -abs(kv[1])
)
print("strongest word pairs (Faith-Shapley, order 2):")
for s, v in pairs[:6]:
    print(f"  {v:+.3f}  {words[s[0]]!r} x {words[s[1]]!r}")
best = pairs[0][0]
assert {words[best[0]], words[best[1]]} == {"not", "good"}
assert r2 > 0.85 and r2 > r2_marginal""",
        ),
        (
            "code",
            """# ProxySPEX on the same number of queries (random maskings, a boosted-tree proxy).
proxy = ProxySPEX(game.n_players, max_order=2, index="FSII", random_state=0)
fsii_proxy = proxy.approximate(4000, game)
r2_proxy = faithfulness(proxy.fourier_, game, game.n_players, m=500, seed=1)
print(f"ProxySPEX: faithfulness R² on the same held-out maskings: {r2_proxy:.3f}")
pairs_proxy = sorted(
    ((s, v) for s, v in fsii_proxy.interactions.items() if len(s) == 2),
    key=lambda kv: -abs(kv[1]),
)
for s, v in pairs_proxy[:3]:
    print(f"  {v:+.3f}  {words[s[0]]!r} x {words[s[1]]!r}")""",
        ),
        (
            "code",
            """fig = shapiq.upset_plot(fsii, n_interactions=12, feature_names=words)
fig.suptitle("Strongest Faith-Shapley values of the review (words and word pairs)")
plt.show()""",
        ),
        (
            "code",
            """# The fewest words whose removal makes the review negative, found on the recovered
# function exactly as a mixed-integer program; then checked with VADER itself.
flip = fewest_changes(spex.fourier_, target=-0.05, direction="below")
removed = [w for w, keep in zip(words, flip.mask) if not keep]
edited = " ".join(w for w, keep in zip(words, flip.mask) if keep)
print(f"remove {flip.n_changes} word(s): {removed}")
print(f"predicted score {flip.value:+.3f}; VADER on the edited review: {scorer([edited])[0]:+.3f}")
print(edited)""",
        ),
        (
            "code",
            """# The conclusion, written from the values computed above (it cannot disagree).
def pair_text(s, v):
    return f"{words[s[0]]!r} x {words[s[1]]!r} ({v:+.2f})"

with_but = [(s, v) for s, v in pairs if "but" in (words[s[0]], words[s[1]])]
but_text = pair_text(*with_but[0]) if with_but else "not among the recovered pairs"
flipped = scorer([edited])[0] < -0.05
comparison = (
    f"better than SPEX (R² {r2_proxy:.2f} against {r2:.2f})" if r2_proxy > r2 + 0.005
    else f"worse than SPEX (R² {r2_proxy:.2f} against {r2:.2f})" if r2_proxy < r2 - 0.005
    else f"as well as SPEX (R² {r2_proxy:.2f})"
)
same_top = "the same" if set(pairs_proxy[0][0]) == set(best) else "another"
display(Markdown(f\"\"\"**Conclusion** (from the values computed above). The strongest
pair is the negation {pair_text(*pairs[0])}: alone, "good" raises the score; with "not" in
front, VADER flips it. "but" interacts with the words around it (VADER damps the clause
before "but"); its strongest pair is {but_text}. An additive Shapley model cannot express
these rules: its held-out R² is {r2_marginal:.2f}, against {r2:.2f} for the order-2
explanation recovered by SPEX.
Because SPEX returns a full sparse function, not just scores, it can also be optimized: the
mixed-integer program removes {flip.n_changes} word(s) ({", ".join(removed)}) and VADER
{"confirms" if flipped else "does not confirm"} the flip on the edited text
({scorer([edited])[0]:+.3f}). ProxySPEX, from the same number of random maskings, finds
{same_top} strongest pair ({pair_text(*pairs_proxy[0])}) and fits held-out maskings
{comparison}.\"\"\"))""",
        ),
    ],
)


notebook(
    "llm_documents",
    [
        (
            "md",
            """# Feature attribution with a real LLM: which documents does the answer need?

Retrieval-augmented generation, the running example of the SPEX and ProxySPEX papers. A
small language model (SmolLM2-135M-Instruct, run offline in numpy) answers a question from
a list of documents. The players are the **documents**, and `v(S)` is the log-probability
of the correct answer when only the documents in `S` are in the prompt.

The question needs two facts that sit in two different documents, so they should act
together (a synergy). The other documents are distractors. With the default engine each
query is a forward pass of the numpy LLM (a few minutes in all). To explain your own Hugging
Face model instead, set `ENGINE = "transformers"` and `HF_MODEL` in the next cell.""",
        ),
        ("parameters", engine_parameters(600)),
        (
            "code",
            f"""import time

import matplotlib.pyplot as plt
import numpy as np
import shapiq
from IPython.display import Markdown, display

from shapiq_spex import SPEX, ProxySPEX
from shapiq_spex.games import MaskedTextGame, TransformersAnswerScorer
from shapiq_spex.metrics import faithfulness

documents = [
    "Marta Kovac was born in the town of Elsbridge.",
    "The river Oder flows into the Baltic Sea.",
    "Elsbridge is a town in the province of Varnia.",
    "The museum in Tallow holds a famous collection of clocks.",
    "Peter Lund was born in the town of Moravik.",
    "Varnia is known for its apple orchards.",
    "Moravik is a town in the province of Ostmark.",
    "The bakery on Main Street opens at six.",
    "Marta Kovac studied chemistry in the capital.",
    "The province of Ostmark has a long coastline.",
]
question = "In which province was Marta Kovac born?"
start = time.perf_counter()
if ENGINE == "transformers":
    {LOAD_HF_MODEL}
    scorer = TransformersAnswerScorer(  # summed over the answer's tokens, as in numpy
        model, tokenizer, answer=" Varnia", question=question, reduction="sum"
    )
else:
    from shapiq_spex.engines.numpy import LLMAnswerScorer, load_language_model

    scorer = LLMAnswerScorer(question, " Varnia", load_language_model())
print(f"model loaded in {{time.perf_counter() - start:.1f}} s")
game = MaskedTextGame(documents, scorer)
full, none = game.value_function(np.ones((1, 10), bool))[0], game.empty_value
print(f"log p(answer): all documents {{full:.2f}}, no documents {{none:.2f}}")""",
        ),
        (
            "code",
            """start = time.perf_counter()
spex = SPEX(game.n_players, max_order=2, index="FSII", random_state=0, degree=3)
fsii = spex.approximate(BUDGET, game)
seconds = time.perf_counter() - start
print(f"SPEX: {spex.budget_used_} LLM queries in {seconds:.0f} s "
      f"({spex.budget_used_ / seconds:.1f} queries/s)")
r2 = faithfulness(spex.fourier_, game, game.n_players, m=200, seed=1)
print(f"faithfulness R² on 200 held-out document subsets: {r2:.3f}")
ranked = sorted(((s, v) for s, v in fsii.interactions.items() if s), key=lambda kv: -abs(kv[1]))
for s, v in ranked[:8]:
    print(f"  {v:+.3f}  " + " + ".join(f"[{i}] {documents[i][:40]}" for i in s))""",
        ),
        (
            "md",
            """The same question through **ProxySPEX** (random document subsets, a boosted-tree
proxy, its spectrum refitted), with the same number of LLM queries.""",
        ),
        (
            "code",
            """start = time.perf_counter()
proxy = ProxySPEX(game.n_players, max_order=2, index="FSII", random_state=0)
fsii_proxy = proxy.approximate(BUDGET, game)
seconds = time.perf_counter() - start
print(f"ProxySPEX: {proxy.budget_used_} LLM queries in {seconds:.0f} s")
r2_proxy = faithfulness(proxy.fourier_, game, game.n_players, m=200, seed=1)
print(f"faithfulness R² on the same 200 held-out subsets: {r2_proxy:.3f}")
for pair in [(0, 2), (4, 6)]:
    print(f"pair d{pair[0]} x d{pair[1]}: SPEX {fsii[pair]:+.3f}, "
          f"ProxySPEX {fsii_proxy[pair]:+.3f}")""",
        ),
        (
            "code",
            """labels = [f"d{i}: {d[:28]}..." for i, d in enumerate(documents)]
fig = shapiq.upset_plot(fsii, n_interactions=10, feature_names=labels)
fig.suptitle("Faith-Shapley values of the documents for the answer ' Varnia'")
plt.show()""",
        ),
        (
            "code",
            """# The conclusion, written from the values computed above: it holds for any model.
named = [i for i, d in enumerate(documents) if "Varnia" in d]  # the answer's word: d2, d5
a, b = named
chain = fsii[(0, 2)], fsii_proxy[(0, 2)]  # "born in Elsbridge" + "Elsbridge is in Varnia"
model_name = "SmolLM2-135M-Instruct" if ENGINE == "numpy" else HF_MODEL or "SmolLM2 (GGUF)"

def relation(value):
    return "redundant" if value < 0 else "synergistic"

display(Markdown(f\"\"\"**Conclusion** for {model_name} (from the values computed above).
SPEX fits held-out document subsets with R² = {r2:.2f} and ProxySPEX with {r2_proxy:.2f},
from {BUDGET} of the {2 ** game.n_players} subsets. The two documents that contain the
answer's word, d{a} and d{b}, have values {fsii[(a,)]:+.2f} and {fsii[(b,)]:+.2f} nats, and
their pair is {relation(fsii[(a, b)])} ({fsii[(a, b)]:+.2f}): a per-document score would
{"overstate" if fsii[(a, b)] < 0 else "understate"} the two together by
{abs(fsii[(a, b)]):.2f} nats. The two-hop chain the question needs, d0 ("Marta Kovac was born
in Elsbridge") with d2 ("Elsbridge is in Varnia"), is {relation(chain[0])} with SPEX
({chain[0]:+.2f}) and {relation(chain[1])} with ProxySPEX ({chain[1]:+.2f}): against the
{max(abs(fsii[(a,)]), abs(fsii[(b,)])):.1f} nats of the strongest answer-naming document,
{"the model barely reasons across documents; it mostly copies the word" if max(map(abs, chain))
< 0.1 * max(abs(fsii[(a,)]), abs(fsii[(b,)])) else "the model does combine the two facts"}.
\"\"\"))""",
        ),
    ],
)


notebook(
    "model_components",
    [
        (
            "md",
            """# Model-component attribution: which attention heads work together?

The players are the 90 attention heads of the last ten layers (20-29, 9 heads each) of
SmolLM2-135M-Instruct (run offline in numpy; the other layers stay intact: ablating half of
all 270 heads at random leaves a broken model, half of these 90 a working one). `v(S)` is the
mean log-probability of the correct answer on a small factual-recall task ("The capital of
France is" -> " Paris", and Germany, Italy, Spain) when every player head outside `S` is
zeroed. ProxySPEX recovers `v` as a sparse Fourier function from random head
subsets; we then **prune**: keep `k` heads and compare three ways of choosing them:

* **interactions**: the `k` heads that maximize the *recovered function* (interactions
  included), found by a mixed-integer program (`optimize_mask`, HiGHS, 30 s limit);
* **marginal**: the `k` heads with the largest Shapley values (or Banzhaf values) of the same
  recovered function, i.e. the same queries without the interactions;
* **random**: `k` heads drawn at random (5 draws).

Each choice is scored on the real model: the task's answer log-probability and top-1
accuracy (is the answer's first token the model's most likely next token?). With the default
engine each query is a forward pass of the numpy LLM (a few minutes in all). To explain your
own Hugging Face model (a Llama/Qwen/Mistral-family model or GPT-2) instead, set
`ENGINE = "transformers"` and `HF_MODEL` in the next cell; the players are then the heads of
its last ten layers.""",
        ),
        ("parameters", engine_parameters(1000)),
        (
            "code",
            f"""import time

import matplotlib.pyplot as plt
import numpy as np
import shapiq
from IPython.display import Markdown, display

from shapiq_spex import SPEX, ProxySPEX
from shapiq_spex.games import CAPITALS_TASK, HeadAblationGame, TransformersHeadAblationGame
from shapiq_spex.metrics import faithfulness
from shapiq_spex.spectral import optimize_mask

start = time.perf_counter()
if ENGINE == "transformers":
    {LOAD_HF_MODEL}
    n_layers = model.config.num_hidden_layers
    prompts, answers = zip(*CAPITALS_TASK)
    game = TransformersHeadAblationGame(
        model, tokenizer, prompts, answers, normalize=False,
        layers=range(max(n_layers - 10, 0), n_layers),
    )
else:
    from shapiq_spex.engines.numpy import load_language_model

    lm = load_language_model()
    game = HeadAblationGame(
        lm, CAPITALS_TASK, normalize=False, layers=range(lm.n_layers - 10, lm.n_layers)
    )
print(f"model loaded in {{time.perf_counter() - start:.1f}} s")
n = game.n_players
all_heads = np.ones((1, n), dtype=bool)
print(f"{{n}} player heads; mean log p(answer): all heads {{game(all_heads)[0]:.2f}}, "
      f"no heads {{game.empty_value:.2f}}")""",
        ),
        (
            "code",
            """start = time.perf_counter()
proxy = ProxySPEX(n, max_order=2, index="FBII", random_state=0)
fbii = proxy.approximate(BUDGET, game)
seconds = time.perf_counter() - start
print(f"ProxySPEX: {proxy.budget_used_} coalitions in {seconds:.0f} s "
      f"({proxy.budget_used_ / seconds:.1f} coalitions/s), "
      f"{len(proxy.fourier_.coefficients)} Fourier terms")
r2 = faithfulness(proxy.fourier_, game, n, m=150, seed=1)
print(f"ProxySPEX faithfulness R² on 150 held-out head subsets: {r2:.3f}")

start = time.perf_counter()
spex = SPEX(n, max_order=2, index="FBII", random_state=0, degree=3)
spex.approximate(BUDGET, game)
r2_spex = faithfulness(spex.fourier_, game, n, m=150, seed=1)
print(f"SPEX: {spex.budget_used_} coalitions in {time.perf_counter() - start:.0f} s, "
      f"faithfulness R² on the same held-out subsets: {r2_spex:.3f}")""",
        ),
        (
            "code",
            """def head(p):
    layer, h = game.player_head(p)
    return f"L{layer}H{h}"


pairs = sorted(
    ((s, v) for s, v in fbii.interactions.items() if len(s) == 2), key=lambda kv: -abs(kv[1])
)
print("strongest head pairs (Faith-Banzhaf, ProxySPEX):")
for s, v in pairs[:8]:
    print(f"  {head(s[0])} x {head(s[1])}: {v:+.3f}")""",
        ),
        (
            "code",
            """# Shapley and Banzhaf values of the *same* recovered function (no new queries),
# from its Möbius coefficients m(S):
# SV_i = sum_{S ∋ i} m(S) / |S|,  BV_i = sum_{S ∋ i} m(S) / 2^(|S|-1).
terms, coefs = proxy.moebius_.terms, proxy.moebius_.coefficients
sizes = (terms >= 0).sum(axis=1)
marginal = {"Shapley": np.zeros(n), "Banzhaf": np.zeros(n)}
for column in terms.T:
    used = column >= 0
    np.add.at(marginal["Shapley"], column[used], coefs[used] / sizes[used])
    np.add.at(marginal["Banzhaf"], column[used], coefs[used] / 2.0 ** (sizes[used] - 1))

accuracy = game.top1_accuracy  # share of prompts whose answer is the most likely next token

rng = np.random.default_rng(0)
ks = [round(n * share) for share in (1 / 6, 1 / 3, 1 / 2, 2 / 3, 5 / 6)]  # 15, ..., 75 of 90
rows = []
for k in ks:
    choices = {}
    result = optimize_mask(proxy.fourier_, sense="max", min_size=k, max_size=k, time_limit=30)
    choices["interactions (ProxySPEX)"] = [result.mask.astype(bool)]
    for name, scores in marginal.items():
        mask = np.zeros(n, dtype=bool)
        mask[np.argsort(-scores)[:k]] = True
        choices[f"marginal ({name})"] = [mask]
    draws = []
    for _ in range(5):
        mask = np.zeros(n, dtype=bool)
        mask[rng.choice(n, size=k, replace=False)] = True
        draws.append(mask)
    choices["random (5 draws)"] = draws
    for name, masks in choices.items():
        values = game(np.array(masks))
        accs = [accuracy(m) for m in masks]
        rows.append((k, name, float(np.mean(values)), float(np.mean(accs))))
        print(f"k={k:3d} {name:26s} log p(answer) {np.mean(values):7.2f}   "
              f"top-1 accuracy {np.mean(accs):.2f}")
print(f"all {n} heads: log p(answer) {game(all_heads)[0]:.2f}, "
      f"accuracy {accuracy(all_heads[0]):.2f}")""",
        ),
        (
            "code",
            """fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for name in dict.fromkeys(r[1] for r in rows):
    sel = [r for r in rows if r[1] == name]
    axes[0].plot([r[0] for r in sel], [r[2] for r in sel], marker="o", label=name)
    axes[1].plot([r[0] for r in sel], [r[3] for r in sel], marker="o", label=name)
kept = f"heads kept (of the {n} in layers {game.layers[0]}-{game.layers[-1]})"
axes[0].set(xlabel=kept,
            ylabel="mean log p(correct answer) [nats]",
            title="Answer log-probability after pruning")
axes[1].set(xlabel=kept,
            ylabel="top-1 accuracy (4 prompts)",
            title="Task accuracy after pruning")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()""",
        ),
        (
            "code",
            """# The conclusion, written from the values computed above: it holds for any model.
model_name = "SmolLM2-135M-Instruct" if ENGINE == "numpy" else HF_MODEL or "SmolLM2 (GGUF)"
result = {(k, name): (value, acc) for k, name, value, acc in rows}
inter, shap, banz, rand = (
    "interactions (ProxySPEX)", "marginal (Shapley)", "marginal (Banzhaf)", "random (5 draws)"
)
marg = {k: max(result[(k, shap)], result[(k, banz)]) for k in ks}  # the better marginal choice
wins = [k for k in ks if result[(k, inter)][0] > marg[k][0]]
beats_random = [k for k in ks if result[(k, inter)][0] > result[(k, rand)][0]]
full_value = float(game(all_heads)[0])
above_full = [k for k in ks if result[(k, inter)][0] > full_value]
lines = ["| heads kept | interactions | best marginal | random |", "|---:|---:|---:|---:|"]
lines += [
    f"| {k} | " + " | ".join(f"{v:.2f} ({acc:.0%})" for v, acc in (
        result[(k, inter)], marg[k], result[(k, rand)])) + " |"
    for k in ks
]
strongest = ", ".join(f"{head(s[0])} x {head(s[1])} ({v:+.2f})" for s, v in pairs[:3])
display(Markdown(f\"\"\"**Conclusion** for {model_name} (from the values computed above).
From {BUDGET} ablation queries, ProxySPEX explains held-out head subsets with
R² = {r2:.2f} (SPEX, same budget: {r2_spex:.2f}). The strongest head pairs are {strongest}
(positive: synergy; negative: redundancy). Pruning to `k` heads, scored on the real model as
mean answer log-probability (top-1 accuracy):

{chr(10).join(lines)}

All {n} heads: {full_value:.2f} ({accuracy(all_heads[0]):.0%}). The heads chosen with the
interactions beat the better marginal choice at {len(wins)} of {len(ks)} sizes
({", ".join(map(str, wins)) or "none"}), random heads at {len(beats_random)} of {len(ks)},
and the unpruned model at {len(above_full)} ({", ".join(map(str, above_full)) or "none"}).
Marginal scores cannot see that some heads only help (or only hurt) in combination; the
interaction model can, and the MIP uses it.\"\"\"))""",
        ),
    ],
)


def make(name: str, parameters: dict[str, object] | None = None) -> nbformat.NotebookNode:
    """The notebook ``name``, unexecuted; ``parameters`` are set in a cell after its parameters.

    As papermill does, the values are assigned (as Python literals) in a cell tagged
    ``injected-parameters`` right after the cell tagged ``parameters``.
    """
    cells = []
    for kind, src in NOTEBOOKS[name]:
        if kind == "md":
            cells.append(nbformat.v4.new_markdown_cell(src))
            continue
        cells.append(nbformat.v4.new_code_cell(src))
        if kind == "parameters":
            cells[-1].metadata["tags"] = ["parameters"]
            if parameters:
                lines = [f"{key} = {value!r}" for key, value in parameters.items()]
                injected = nbformat.v4.new_code_cell("\n".join(lines))
                injected.metadata["tags"] = ["injected-parameters"]
                cells.append(injected)
    if parameters and not any("parameters" in c.metadata.get("tags", ()) for c in cells):
        msg = f"notebook {name!r} has no parameters cell."
        raise ValueError(msg)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 3600) -> None:
    """Execute ``nb`` in place, in this folder (``timeout``: seconds per cell)."""
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    )
    client.execute()


def build(name: str, timeout: int = 3600) -> Path:
    """Write ``name.ipynb`` and execute it in place (``timeout``: seconds per cell)."""
    nb = make(name)
    execute(nb, timeout)
    path = HERE / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def main(argv: list[str] | None = None) -> int:
    """Build the notebooks named in ``argv`` (all when none); returns the exit code."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python notebooks/build.py",
        description="Write the notebooks from their definitions here and execute them in place "
        "(their outputs are saved in the .ipynb files).",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="name",
        help=f"notebooks to build (default: all): {', '.join(NOTEBOOKS)}",
    )
    parser.add_argument(
        "--timeout", type=int, default=3600, help="seconds allowed per cell (default 3600)"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in NOTEBOOKS]
    if unknown:
        parser.error(f"unknown notebook {unknown[0]!r}; choose from {', '.join(NOTEBOOKS)}")
    for name in args.names or list(NOTEBOOKS):
        print("built", build(name, timeout=args.timeout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
