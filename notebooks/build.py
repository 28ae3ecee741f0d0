"""Write and execute the notebooks (outputs are saved in the .ipynb files).

Run: ``python notebooks/build.py [name ...]``. Each notebook is defined here as a list of
markdown / code cells, so its source is reviewable as plain Python; executing it with nbclient
stores the outputs next to the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent
NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}


def notebook(name: str, cells: list[tuple[str, str]]) -> None:
    """Register a notebook: ``cells`` are ``("md" | "code", source)`` pairs."""
    NOTEBOOKS[name] = cells


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
from sklearn.datasets import load_breast_cancer
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from shapiq_spex import SPEX
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
            "md",
            """**Conclusion.** The pairs carry real structure. *Same-class* neighbours
are redundant (p1, p2 and p3 with p7): any one of them fills a slot of the 3-NN vote. The
strongest synergies pair a same-class neighbour with an *other-class* one (p2 with p4, p5
and p6): a same-class point is worth most exactly when it has to outvote an other-class
point. That dependence on context is what one score per training point cannot express.
Accordingly, the interaction model explains held-out coalitions with R² ≈ 0.88, while the
additive Banzhaf model reaches only ≈ 0.09. SPEX recovers this from 2000 retrainings,
where all 2^16 coalitions would need 65,536.""",
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

from shapiq_spex import SPEX
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
            "md",
            """**Conclusion.** The strongest pair is the negation "not" x "good". Alone,
"good" raises the score; with "not" in front, VADER flips it, so the pair carries a large
negative interaction. "but" also interacts with the words before it (VADER damps the clause
before "but"). An additive Shapley model cannot express these rules: its held-out R² is
lower than that of the order-2 explanation recovered by SPEX. Because SPEX returns a full
sparse function, not just scores, it can also be optimized: the mixed-integer program finds
the smallest set of words whose removal flips the sentiment, and VADER confirms the flip on
the edited text.""",
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
together (a synergy). The other documents are distractors. This notebook is not run by the
test suite: each query is a forward pass of the LLM.""",
        ),
        (
            "code",
            """import time

import matplotlib.pyplot as plt
import numpy as np
import shapiq

from shapiq_spex import SPEX
from shapiq_spex.games import MaskedTextGame
from shapiq_spex.llm import LLMAnswerScorer, load_language_model
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
lm = load_language_model()
print(f"model loaded in {time.perf_counter() - start:.1f} s")
scorer = LLMAnswerScorer(question, " Varnia", lm)
game = MaskedTextGame(documents, scorer)
full, none = game.value_function(np.ones((1, 10), bool))[0], game.empty_value
print(f"log p(answer): all documents {full:.2f}, no documents {none:.2f}")""",
        ),
        (
            "code",
            """start = time.perf_counter()
spex = SPEX(game.n_players, max_order=2, index="FSII", random_state=0, degree=3)
fsii = spex.approximate(600, game)
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
            "code",
            """labels = [f"d{i}: {d[:28]}..." for i, d in enumerate(documents)]
fig = shapiq.upset_plot(fsii, n_interactions=10, feature_names=labels)
fig.suptitle("Faith-Shapley values of the documents for the answer ' Varnia'")
plt.show()""",
        ),
        (
            "md",
            """**Conclusion.** The answer's log-probability rests on the two documents of
the chain: d0 ("Marta Kovac was born in Elsbridge") and d2 ("Elsbridge is in Varnia"). Read
the printed values for their pair term: a positive pair means the documents help more
together than apart, the two-hop synergy. Distractors get small values. A marginal score per
document would split that joint effect between d0 and d2 and could not show that each one
needs the other.""",
        ),
    ],
)


def build(name: str, timeout: int = 600) -> Path:
    """Write ``name.ipynb`` and execute it in place."""
    cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "md" else nbformat.v4.new_code_cell(src)
        for kind, src in NOTEBOOKS[name]
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    )
    client.execute()
    path = HERE / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


if __name__ == "__main__":
    for name in sys.argv[1:] or list(NOTEBOOKS):
        print("built", build(name))
