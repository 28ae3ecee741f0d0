"""Output links: model a transformed game output where it is sparser than the raw one.

Bounded scores are squashed sums: a probability is the logistic function of log-odds, VADER's
compound score ``s / sqrt(s^2 + 15)`` of a valence sum. Near saturation the raw score barely
varies while the sum underneath does, so the spectrum of the raw score is dense. Fitting
``link(v)`` instead recovers the sum; the recovered game on the original scale is
``inverse(f)``. Measured on a 106-word VADER review at 4000 queries: R² on the compound score
0.77 (identity) -> 0.89 (``"atanh"``) for ProxySPEX, 0.42 -> 0.71 for SPEX.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

__all__ = ["LINKS", "Link", "check_link"]

_EDGE = 1e-12  # boundary values are moved inside the open interval by this much


@dataclass(frozen=True)
class Link:
    """A strictly increasing map of game values and its inverse.

    Attributes:
        name: Shown in messages and reports.
        forward: Game value -> modelled value.
        inverse: Modelled value -> game value.
        domain: Open interval of game values the forward map accepts (closed ends are moved
            inside by 1e-12).
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    inverse: Callable[[np.ndarray], np.ndarray]
    domain: tuple[float, float] = (-np.inf, np.inf)

    def apply(self, values: np.ndarray) -> np.ndarray:
        """``forward(values)``, after checking that they lie in the domain."""
        values = np.asarray(values, dtype=float)
        low, high = self.domain
        if np.any(values < low) or np.any(values > high):
            bad = float(values[(values < low) | (values > high)][0])
            msg = (
                f"link={self.name!r} needs game values in [{low}, {high}], got {bad!r}; choose "
                "another link (e.g. 'identity')."
            )
            raise ValueError(msg)
        if np.isfinite(low) or np.isfinite(high):
            values = np.clip(values, low + _EDGE, high - _EDGE)
        return self.forward(values)


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


_VADER_ALPHA = 15.0  # vaderSentiment's normalize(): compound = s / sqrt(s^2 + alpha)


def _vader_sum(c: np.ndarray) -> np.ndarray:
    return c * np.sqrt(_VADER_ALPHA / (1.0 - c**2))


def _vader_compound(s: np.ndarray) -> np.ndarray:
    return s / np.sqrt(s**2 + _VADER_ALPHA)


LINKS = {
    "identity": Link("identity", lambda v: v, lambda v: v),
    "logit": Link("logit", _logit, expit, (0.0, 1.0)),
    "atanh": Link("atanh", np.arctanh, np.tanh, (-1.0, 1.0)),
    "vader": Link("vader", _vader_sum, _vader_compound, (-1.0, 1.0)),
}
"""The built-in links: ``"identity"``, ``"logit"`` (probabilities), ``"atanh"`` (scores in
``[-1, 1]``) and ``"vader"`` (the exact inverse of VADER's compound normalization
``s / sqrt(s^2 + 15)``, which recovers the sum of valences: R² 0.94 on the compound score of the
106-word review above, against 0.89 with ``"atanh"``)."""


def check_link(link: object) -> Link:
    """A :class:`Link` from a name, a ``(forward, inverse)`` pair, a Link, or None (identity)."""
    if link is None:
        return LINKS["identity"]
    if isinstance(link, Link):
        return link
    if isinstance(link, str):
        if link not in LINKS:
            msg = f"link must be one of {tuple(LINKS)} or a (forward, inverse) pair, got {link!r}."
            raise ValueError(msg)
        return LINKS[link]
    if isinstance(link, tuple) and len(link) == 2 and all(callable(f) for f in link):
        return Link("custom", link[0], link[1])
    msg = f"link must be a name, a (forward, inverse) pair of callables or None, got {link!r}."
    raise TypeError(msg)
