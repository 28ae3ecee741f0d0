"""The highlighted-text HTML in a real headless Chromium: it renders, with the words and arcs.

Chromium is Debian's package, installed by ``tools/ensure-chromium`` (run by ``make test``).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image
from shapiq import InteractionValues

from shapiq_spex.plots import text_html
from shapiq_spex.plots.text import BLUE, RED

WORDS = [
    "The",
    "food",
    "was",
    "not",
    "good",
    "but",
    "the",
    "service",
    "was",
    "absolutely",
    "wonderful",
]
PAIRS = {(3, 4): -0.9, (5, 10): 0.6, (3, 10): 0.3}
WIDTH, HEIGHT = 900, 500


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: run tools/ensure-chromium (as root)")
    return path


def _run(page_path, tmp_path, *flags: str) -> str:
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", *flags, page_path.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    first = dict.fromkeys(range(len(WORDS)), 0.0)
    first.update({3: -0.8, 4: 0.5, 10: 0.9})
    entries = {(i,): v for i, v in first.items()} | PAIRS
    keys = [(), *sorted(entries, key=lambda s: (len(s), s))]
    values = InteractionValues(
        values=np.array([0.0, *(entries[s] for s in keys[1:])]),
        index="k-SII",
        max_order=2,
        n_players=len(WORDS),
        min_order=0,
        interaction_lookup={s: i for i, s in enumerate(keys)},
        baseline_value=0.0,
    )
    folder = tmp_path_factory.mktemp("html")
    path = folder / "view.html"
    path.write_text(text_html(WORDS, values, title="k-SII of the test score"), encoding="utf-8")
    return path, folder


def test_the_page_shows_every_word_and_one_arc_per_pair(page) -> None:
    path, folder = page
    dom = _run(path, folder, "--dump-dom")
    for i, word in enumerate(WORDS):
        assert f'id="u{i}"' in dom and f">{word}</span>" in dom
    # the arcs exist only after the page's script ran in the browser
    assert dom.count('class="arc"') == len(PAIRS)
    assert "not#3 × good#4" in dom


def test_the_screenshot_is_coloured_where_the_words_are(page) -> None:
    path, folder = page
    shot = folder / "shot.png"
    _run(path, folder, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}")
    with Image.open(shot) as image:
        assert image.size == (WIDTH, HEIGHT)
        pixels = np.asarray(image.convert("RGB"), dtype=int)
    ink = np.abs(pixels - 255).sum(axis=2) > 60
    assert 0.01 < ink.mean() < 0.6  # not blank, not a solid block
    for colour in (RED, BLUE):
        close = np.abs(pixels - np.array(colour)).sum(axis=2) < 60
        assert close.sum() > 50, colour  # strong units and arcs in both colours
