"""Plots: labels, the top-k cap, and figures whose size does not grow with n."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from shapiq import InteractionValues

from shapiq_spex import plots
from shapiq_spex.plots.text import BLUE, RED


def explanation(n: int, entries: dict[tuple[int, ...], float], baseline: float = 0.0):
    keys = [(), *sorted(entries, key=lambda s: (len(s), s))]
    return InteractionValues(
        values=np.array([baseline, *(entries[s] for s in keys[1:])]),
        index="k-SII",
        max_order=2,
        n_players=n,
        min_order=0,
        interaction_lookup={s: i for i, s in enumerate(keys)},
        baseline_value=baseline,
    )


def random_explanation(n: int, n_pairs: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    entries = {(i,): float(v) for i, v in enumerate(rng.normal(size=n))}
    for _ in range(n_pairs):
        i, j = sorted(rng.choice(n, size=2, replace=False).tolist())
        entries[(i, j)] = float(rng.normal())
    return explanation(n, entries)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- labels and the cap
def test_labels_are_unique_and_short() -> None:
    names = ["not", "good", "not", "a\n  long sentence that goes on and on", "x"]
    assert plots.player_labels(names) == [
        "not#0", "good#1", "not#2", "a long sentence that go…#3", "x#4",
    ]  # fmt: skip
    assert plots.player_labels(["age", "bmi", "age"], numbered=False) == ["age#0", "bmi", "age#2"]
    with pytest.raises(ValueError, match="max_chars"):
        plots.player_labels(["a"], max_chars=1)


def test_top_players_rank_by_total_absolute_value() -> None:
    values = random_explanation(30, 60, seed=1)
    totals = np.zeros(30)
    for s, v in values.dict_values.items():
        for p in s:
            totals[p] += abs(v)
    for k in (1, 5, 30, 100):
        expected = sorted(np.argsort(-totals, kind="stable")[:k].tolist())
        assert plots.top_players(values, k).tolist() == expected
    # players without any non-zero value are left out
    sparse = explanation(6, {(1,): 0.5, (2,): 0.0, (3, 4): -1.0})
    assert plots.top_players(sparse, 6).tolist() == [1, 3, 4]
    with pytest.raises(ValueError, match="k must be >= 1"):
        plots.top_players(values, 0)


def test_restrict_keeps_the_values_among_the_players_reindexed() -> None:
    values = random_explanation(12, 40, seed=2)
    players = [7, 2, 9]
    shown = plots.restrict(values, players)
    assert shown.n_players == 3
    expected = {
        tuple(sorted(players.index(p) for p in s)): v
        for s, v in values.dict_values.items()
        if set(s) <= set(players)
    }
    assert shown.dict_values == pytest.approx(expected)
    with pytest.raises(ValueError, match="distinct indices"):
        plots.restrict(values, [1, 1])


# ---------------------------------------------------------------- figures at any n
def _tick_labels(figure) -> set[str]:
    labels = set()
    for axis in figure.axes:
        labels |= {t.get_text() for t in axis.get_yticklabels() + axis.texts if t.get_text()}
    return labels


@pytest.mark.parametrize("n", [8, 300])
def test_chart_size_does_not_grow_with_n(n: int) -> None:
    values = random_explanation(n, 3 * n)
    names = [f"w{i}" for i in range(n)]
    top = set(plots.top_players(values, 12).tolist())
    title = "k-SII of the score: f(x) = 1.0"
    for make in (plots.upset, plots.bar, plots.interaction_graph):
        figure = make(values, names, title=title)
        width, height = figure.get_size_inches()
        assert width <= 16 and height <= 12, (make.__name__, width, height)
        shown = {int(m) for text in _tick_labels(figure) for m in re.findall(r"#(\d+)", text)}
        assert shown and shown <= top, make.__name__
        heading = figure.get_suptitle() or figure.axes[0].get_title()
        assert heading.startswith(title)
        assert ("top 12 of 300 players" in heading) == (n == 300)


def test_bar_plot_keeps_the_largest_negative_interaction() -> None:
    # shapiq's bar plot ranks signed values: a large negative pair would be summed away.
    entries = {(i,): 0.1 + 0.01 * i for i in range(12)}
    entries[(3, 4)] = -5.0
    figure = plots.bar(explanation(12, entries), [f"w{i}" for i in range(12)], max_display=5)
    assert "w3#3 x w4#4" in _tick_labels(figure)


def test_text_figure_cuts_long_texts_to_excerpts() -> None:
    n = 2000
    entries = {(i,): 0.001 for i in range(n)}
    entries[(500,)], entries[(1500, 1700)] = 2.0, -1.0
    units = [f"u{i}" for i in range(n)]
    figure = plots.text_figure(units, explanation(n, entries), title="t", max_units=100)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert {"u500", "u1500", "u1700"} <= set(texts) and "…" in texts
    assert sum(t.startswith("u") for t in texts) <= 100
    assert figure.get_size_inches()[1] < 12


# ---------------------------------------------------------------- highlighted-text HTML
def test_text_html_colours_units_and_lists_pairs() -> None:
    units = ["<b>good</b>", "not", "bad", "plain"]
    values = explanation(4, {(0,): 0.8, (1,): -0.4, (2,): 0.0, (3,): 0.0, (1, 2): 0.6})
    page = plots.text_html(units, values, separators=[" ", "\n", " ", ""], title="T & co")
    assert "<title>T &amp; co</title>" in page and "&lt;b&gt;good&lt;/b&gt;" in page
    assert "<b>good</b>" not in page  # escaped, never markup
    colours = dict(re.findall(r'id="u(\d)"[^>]*background: (rgba\([^)]*\))', page))
    assert colours["0"] == f"rgba({RED[0]},{RED[1]},{RED[2]},0.85)"  # strongest: full colour
    assert colours["1"] == f"rgba({BLUE[0]},{BLUE[1]},{BLUE[2]},0.425)"
    assert colours["2"].endswith(",0.0)")
    specs = json.loads(re.search(r"const PAIRS = (\[.*?\]);", page).group(1))
    assert [(s["i"], s["j"]) for s in specs] == [(1, 2)]
    assert "not#1 × bad#2" in page
    for reference in ("src=", "href=", "url(", "@import"):  # self-contained: nothing fetched
        assert reference not in page


def test_text_html_draws_the_strongest_pairs() -> None:
    values = random_explanation(10, 30, seed=4)
    page = plots.text_html([f"w{i}" for i in range(10)], values, n_arcs=3)
    specs = json.loads(re.search(r"const PAIRS = (\[.*?\]);", page).group(1))
    pairs = sorted(
        ((s, v) for s, v in values.dict_values.items() if len(s) == 2), key=lambda kv: -abs(kv[1])
    )
    assert [(s["i"], s["j"]) for s in specs] == [s for s, _ in pairs[:3]]
    with pytest.raises(ValueError, match="one entry per player"):
        plots.text_html(["a"], values)


def test_an_explanation_without_interactions_still_gives_figures() -> None:
    empty = explanation(5, dict.fromkeys([(i,) for i in range(5)], 0.0), baseline=1.0)
    names = list("abcde")
    for make in (plots.upset, plots.bar, plots.interaction_graph):
        figure = make(empty, names, title="T")
        texts = [t.get_text() for axis in figure.axes for t in axis.texts]
        assert "no non-zero interaction to show" in texts, make.__name__
    assert plots.text_figure(names, empty).axes
    lone = explanation(5, {(1,): 0.5})
    figure = plots.interaction_graph(lone, names, title="T")
    texts = [t.get_text() for axis in figure.axes for t in axis.texts]
    assert texts == ["only b#1 has a non-zero value (+0.5): no graph to draw"]


# ---------------------------------------------------------------- standard errors as whiskers
def standard_errors(values, errors: dict[tuple[int, ...], float], default: float = 0.0):
    """Standard errors on exactly the interactions of ``values`` (as ``uncertainty_``)."""
    lookup = values.interaction_lookup
    column = np.full(len(lookup), default)
    for s, se in errors.items():
        column[lookup[s]] = se
    return InteractionValues(
        values=column,
        index=values.index,
        max_order=values.max_order,
        n_players=values.n_players,
        min_order=values.min_order,
        interaction_lookup=dict(lookup),
        baseline_value=0.0,
    )


def _whiskers(figure) -> dict[str, tuple[float, float]]:
    """Bar label -> (left, right) end of its whisker, read from the errorbar artists."""
    axis = figure.axes[0]
    (container,) = axis.containers[1:]  # [0] is the bars, [1] the error bars
    segments = container.lines[2][0].get_segments()
    ticks = zip(axis.get_yticks(), axis.get_yticklabels(), strict=True)
    rows = {round(float(y)): t.get_text() for y, t in ticks}
    ends = {}
    for segment in segments:
        (x0, y0), (x1, y1) = segment
        assert y0 == y1
        ends[rows[round(float(y0))]] = (min(x0, x1), max(x0, x1))
    return ends


@pytest.mark.parametrize("z", [None, 1.0])
def test_bar_whiskers_span_value_plus_minus_z_standard_errors(z) -> None:
    entries = {(0,): 0.8, (1,): -0.4, (2,): 0.4, (3,): 0.05, (0, 1): 0.4, (2, 3): -1.2}
    values = explanation(4, entries)
    errors = {(0,): 0.1, (1,): 0.02, (2,): 0.3, (3,): 0.2, (0, 1): 0.0, (2, 3): 0.25}
    names = ["a", "b", "c", "d"]
    extra = {} if z is None else {"z": z}
    figure = plots.bar(values, names, uncertainty=standard_errors(values, errors), **extra)
    factor = 1.645 if z is None else z
    labels = plots.player_labels(names)
    ends = _whiskers(figure)
    # one whisker per bar, also for the equal values 0.4 and -0.4 of different players
    assert set(ends) == {" x ".join(labels[p] for p in s) for s in entries}
    for s, value in entries.items():
        left, right = ends[" x ".join(labels[p] for p in s)]
        assert left == pytest.approx(value - factor * errors[s], abs=1e-12)
        assert right == pytest.approx(value + factor * errors[s], abs=1e-12)
    texts = {t.get_text() for t in figure.axes[0].texts}
    assert f"\u22121.20 ± {factor * 0.25:.2f}" in texts
    xmin, xmax = figure.axes[0].get_xlim()
    assert xmin < -1.2 - factor * 0.25 and xmax > 0.8 + factor * 0.1  # whiskers inside
    note = "±1.645·SE (90 % interval)" if z is None else "±1·SE"
    assert note in figure.axes[0].get_xlabel()


def test_bar_whiskers_follow_the_players_through_the_cap() -> None:
    values = random_explanation(30, 60, seed=5)
    rng = np.random.default_rng(6)
    errors = {s: float(rng.uniform(0.0, 0.3)) for s in values.interaction_lookup}
    names = [f"w{i}" for i in range(30)]
    figure = plots.bar(
        values, names, max_players=6, max_display=8, uncertainty=standard_errors(values, errors)
    )
    labels = plots.player_labels(names)
    by_label = {" x ".join(labels[p] for p in s): s for s in values.interaction_lookup if s}
    ends = _whiskers(figure)
    assert len(ends) == 8
    for label, (left, right) in ends.items():
        s = by_label[label]  # in the original player indices
        assert (left + right) / 2 == pytest.approx(values[s], abs=1e-12)
        assert (right - left) / 2 == pytest.approx(1.645 * errors[s], abs=1e-12)


def _circle_centres(patch) -> list[np.ndarray]:
    from matplotlib.path import Path

    path, centres, start = patch.get_path(), [], 0
    for k, code in enumerate(path.codes):
        if code == Path.MOVETO:
            start = k
        elif code == Path.CLOSEPOLY:
            ring = path.vertices[start:k]
            centres.append((ring.min(axis=0) + ring.max(axis=0)) / 2)
    return centres


def test_graph_dashes_the_edges_whose_interval_contains_zero() -> None:
    import networkx as nx
    from matplotlib.patches import PathPatch

    entries = {(0,): 0.6, (1,): -0.3, (2,): 0.2, (3,): 0.1,
               (0, 1): 1.0, (1, 2): -0.5, (2, 3): 0.3, (0, 3): -0.8}  # fmt: skip
    errors = {(0,): 0.05, (1,): 0.2, (2,): 0.01, (3,): 0.1,
              (0, 1): 0.1, (1, 2): 0.5, (2, 3): 0.2, (0, 3): 0.01}  # fmt: skip
    values = explanation(4, entries)
    names = ["a", "b", "c", "d"]
    figure = plots.interaction_graph(values, names, uncertainty=standard_errors(values, errors))
    axis = figure.axes[0]
    # shapiq puts the players on the unit circle in player order
    layout = nx.circular_layout(nx.path_graph(4))
    edges = {}
    for patch in axis.patches:  # an edge's patch has a circle at each of its two players
        if not isinstance(patch, PathPatch):
            continue
        centres = _circle_centres(patch)
        ends = tuple(p for p in range(4) if any(np.allclose(c, layout[p]) for c in centres))
        if len(ends) == 2:
            edges[ends] = patch.get_facecolor()[3] == 0 and patch.get_linestyle() != "solid"
    assert edges == {(0, 1): False, (1, 2): True, (2, 3): True, (0, 3): False}
    texts = {t.get_text() for t in axis.texts}
    assert {"a#0\n+0.60 ± 0.08", "b#1\n\u22120.30 ± 0.33", "c#2\n+0.20 ± 0.02"} <= texts
    assert any("dashed edges" in t.get_text() for t in figure.texts)


def test_uncertainty_must_match_the_values() -> None:
    values = explanation(3, {(0,): 0.5, (1,): -0.2, (0, 1): 0.3})
    good = standard_errors(values, {(0,): 0.1})
    for make in (plots.bar, plots.interaction_graph):
        with pytest.raises(TypeError, match="uncertainty must be a shapiq InteractionValues"):
            make(values, uncertainty=good.values)
        with pytest.raises(TypeError, match="z must be a number"):
            make(values, uncertainty=good, z="2")
        with pytest.raises(ValueError, match="z must be a finite number in"):
            make(values, uncertainty=good, z=0.0)
    other = explanation(3, {(0,): 0.5, (1,): -0.2, (1, 2): 0.3})
    reordered_lookup = dict(reversed(list(values.interaction_lookup.items())))
    reordered = InteractionValues(
        values=np.zeros(len(reordered_lookup)),
        index="k-SII",
        max_order=2,
        n_players=3,
        min_order=0,
        interaction_lookup={s: i for i, s in enumerate(reordered_lookup)},
    )
    wrong = {
        "n_players": explanation(4, {(0,): 0.5, (1,): -0.2, (0, 1): 0.3}),
        "only one of them": standard_errors(other, {}),
        "different order": reordered,
        "non-negative": standard_errors(values, {(1,): -0.1}),
        "finite": standard_errors(values, {(1,): np.nan}),
    }
    for why, uncertainty in wrong.items():
        with pytest.raises(ValueError, match=why):
            plots.bar(values, uncertainty=uncertainty)
        with pytest.raises(ValueError, match=why):
            plots.interaction_graph(values, uncertainty=uncertainty)
