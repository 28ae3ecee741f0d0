"""Output links: model a transformed game output where it is sparser than the raw one.

Bounded scores are squashed sums: a probability is the logistic function of log-odds, VADER's
compound score ``s / sqrt(s^2 + 15)`` of a valence sum. Near saturation the raw score barely
varies while the sum underneath does, so the spectrum of the raw score is dense. Fitting
``link(v)`` instead recovers the sum; the recovered game on the original scale is
``inverse(f)``. Measured on a 106-word VADER review at 4000 queries: R² on the compound score
0.77 (identity) -> 0.89 (``"atanh"``) for ProxySPEX, 0.42 -> 0.71 for SPEX.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .._validation import check_bool, check_callable, check_number, check_str

__all__ = ["LINKS", "Link", "check_link"]

_FLOAT_RESOLUTION = 2e-12  # bounded scores of unknown rounding: ends moved inside by 1e-12
_ROUND_TRIP_RTOL = 1e-6  # how closely inverse(forward(v)) must return a custom link's v


@dataclass(frozen=True)
class Link:
    """A strictly increasing map of game values and its inverse.

    Attributes:
        name: Shown in messages and reports.
        forward: Game value -> modelled value.
        inverse: Modelled value -> game value.
        domain: Interval of game values the forward map accepts. Where an end is finite, the
            forward map is infinite there (``atanh(±1)``, ``logit(0)``), so values closer to it
            than half of ``resolution`` are moved to that distance.
        resolution: The rounding step of the game's output near the ends of the domain: a
            value reported at an end lies within half a step of it. VADER rounds its compound
            score to 4 decimals (``"vader"``: ``1e-4``, so ``±1`` is read as ``±0.99995``);
            scores of unknown rounding are taken to carry float precision (``2e-12``). A
            :class:`Link` of another resolution can be passed as ``link``, e.g.
            ``Link("atanh", np.arctanh, np.tanh, (-1.0, 1.0), resolution=1e-4)``.
        checked: Check every batch of game values by the round trip
            ``inverse(forward(v)) ≈ v`` (custom links).
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    inverse: Callable[[np.ndarray], np.ndarray]
    domain: tuple[float, float] = (-np.inf, np.inf)
    resolution: float = _FLOAT_RESOLUTION
    checked: bool = False

    def __post_init__(self) -> None:
        check_str(self.name, "name")
        check_callable(self.forward, "forward")
        check_callable(self.inverse, "inverse")
        domain = self.domain
        if not (
            isinstance(domain, tuple | list)
            and len(domain) == 2
            and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in domain)
        ):
            msg = f"domain must be a (low, high) pair of numbers, got {domain!r}."
            raise TypeError(msg)
        if not float(domain[0]) < float(domain[1]):  # NaN fails too
            msg = f"domain must have low < high (infinite ends allowed), got {domain!r}."
            raise ValueError(msg)
        check_number(self.resolution, "resolution", minimum=0.0, maximum=1.0, include_minimum=False)
        check_bool(self.checked, "checked")

    def apply(self, values: np.ndarray) -> np.ndarray:
        """``forward(values)``, after checking that they lie in the domain."""
        values = np.asarray(values, dtype=float)
        problem = self._outside(values)
        if problem is not None:
            raise ValueError(problem)
        return self._forward(values)

    def check(self, values: np.ndarray) -> str | None:
        """Why the game values ``values`` cannot be modelled through this link, or ``None``.

        The values must lie in the domain, their forward map must be finite, and for a
        checked (custom) link ``inverse(forward(v))`` must return ``v``.
        """
        values = np.asarray(values, dtype=float)
        problem = self._outside(values)
        if problem is not None:
            return problem
        with np.errstate(all="ignore"):
            modelled = np.asarray(self._forward(values), dtype=float)
            if modelled.shape != values.shape:
                return (
                    f"link={self.name!r}: forward returned shape {modelled.shape} for game "
                    f"values of shape {values.shape}; it must map arrays element-wise"
                )
            bad = ~np.isfinite(modelled)
            if bad.any():
                v = float(values[bad][0])
                return (
                    f"link={self.name!r}: forward({v!r}) is {float(modelled[bad][0])!r}; the "
                    "game's values must lie where the link is finite (choose another link)"
                )
            if not self.checked:
                return None
            back = np.asarray(self.inverse(modelled), dtype=float)
        scale = float(np.max(np.abs(values), initial=0.0))
        off = ~np.isclose(back, values, rtol=_ROUND_TRIP_RTOL, atol=_ROUND_TRIP_RTOL * scale)
        if back.shape != values.shape or off.any():
            i = int(np.flatnonzero(off)[0]) if back.shape == values.shape else 0
            got = back[i] if back.shape == values.shape else back.shape
            return (
                f"link={self.name!r} is not a (forward, inverse) pair on the game's values: "
                f"inverse(forward({float(values[i])!r})) = {got!r}; pass the inverse of "
                "forward as the second function"
            )
        return None

    def _outside(self, values: np.ndarray) -> str | None:
        low, high = self.domain
        # Within half a rounding step of an end is the end, rounded (a probability computed
        # as 1 - p can come out at -2.2e-16); such values are clipped like the end itself.
        edge = 0.5 * self.resolution
        outside = (values < low - edge) | (values > high + edge)
        if not outside.any():
            return None
        bad = float(values[outside][0])
        return (
            f"link={self.name!r} needs game values in [{low}, {high}], got {bad!r}; choose "
            "another link (e.g. 'identity')"
        )

    def _forward(self, values: np.ndarray) -> np.ndarray:
        low, high = self.domain
        if np.isfinite(low) or np.isfinite(high):
            edge = 0.5 * self.resolution
            values = np.clip(values, low + edge, high - edge)
        return self.forward(values)


# Module-level functions, not lambdas: approximators holding a link must pickle.
def _identity(v: np.ndarray) -> np.ndarray:
    return v


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


_VADER_ALPHA = 15.0  # vaderSentiment's normalize(): compound = s / sqrt(s^2 + alpha)
_VADER_RESOLUTION = 1e-4  # vaderSentiment rounds the compound score to 4 decimals


def _vader_sum(c: np.ndarray) -> np.ndarray:
    return c * np.sqrt(_VADER_ALPHA / (1.0 - c**2))


def _vader_compound(s: np.ndarray) -> np.ndarray:
    return s / np.sqrt(s**2 + _VADER_ALPHA)


LINKS = {
    "identity": Link("identity", _identity, _identity),
    "logit": Link("logit", _logit, expit, (0.0, 1.0)),
    "atanh": Link("atanh", np.arctanh, np.tanh, (-1.0, 1.0)),
    "vader": Link("vader", _vader_sum, _vader_compound, (-1.0, 1.0), _VADER_RESOLUTION),
}
"""The built-in links: ``"identity"``, ``"logit"`` (probabilities), ``"atanh"`` (scores in
``[-1, 1]``) and ``"vader"`` (the exact inverse of VADER's compound normalization
``s / sqrt(s^2 + 15)``, which recovers the sum of valences: R² 0.94 on the compound score of the
106-word review above, against 0.89 with ``"atanh"``). ``"vader"`` reads a compound score of
``±1`` as ``±0.99995``, the end of VADER's 4-decimal rounding (a valence sum of about ±387)."""


def check_link(link: object) -> Link:
    """A :class:`Link` from a name, a ``(forward, inverse)`` pair, a Link, or None (identity).

    A pair's round trip ``inverse(forward(v)) ≈ v`` and the finiteness of ``forward(v)`` are
    checked on every batch of game values.
    """
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
        return Link("custom", link[0], link[1], checked=True)
    msg = f"link must be a name, a (forward, inverse) pair of callables or None, got {link!r}."
    raise TypeError(msg)
