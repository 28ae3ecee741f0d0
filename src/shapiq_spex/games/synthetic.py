"""Synthetic games with a known sparse Fourier spectrum (ground truth for tests and benchmarks)."""

from __future__ import annotations

import numpy as np
from shapiq import Game

from .._validation import check_instance, check_number, check_random_state_seed
from ..spectral.representation import SparseFourier

__all__ = ["SparseFourierGame"]


class SparseFourierGame(Game):
    """A game given by a sparse Fourier representation, optionally with Gaussian noise.

    Args:
        fourier: The exact spectrum of the noiseless game.
        noise_std: Standard deviation of independent Gaussian noise added to every query.
        random_state: Seed of the noise.
    """

    def __init__(
        self, fourier: SparseFourier, *, noise_std: float = 0.0, random_state: int | None = None
    ) -> None:
        check_instance(fourier, "fourier", SparseFourier, "a SparseFourier")
        noise_std = check_number(noise_std, "noise_std", minimum=0.0)
        random_state = check_random_state_seed(random_state)
        self.fourier = fourier
        self.noise_std = float(noise_std)
        self._noise = np.random.default_rng(random_state)
        super().__init__(n_players=fourier.n, normalize=False, verbose=False)

    @classmethod
    def random(
        cls,
        n: int,
        n_terms: int,
        max_degree: int,
        *,
        min_degree: int = 1,
        constant: float | None = None,
        magnitude: tuple[float, float] = (1.0, 2.0),
        noise_std: float = 0.0,
        random_state: int | None = None,
    ) -> SparseFourierGame:
        """A random game: ``n_terms`` distinct terms with sizes uniform in ``[min, max]_degree``.

        Coefficients have a random sign and a magnitude uniform in ``magnitude``. ``constant``
        adds ``F(∅)``.
        """
        rng = np.random.default_rng(random_state)
        seen: set[tuple[int, ...]] = set()
        while len(seen) < n_terms:
            size = int(rng.integers(min_degree, max_degree, endpoint=True))
            seen.add(tuple(sorted(rng.choice(n, size=size, replace=False).tolist())))
        terms = sorted(seen, key=lambda t: (len(t), t))
        values = rng.uniform(*magnitude, size=n_terms) * rng.choice([-1.0, 1.0], size=n_terms)
        coefficients = dict(zip(terms, values.tolist(), strict=True))
        if constant is not None:
            coefficients[()] = float(constant)
        return cls(
            SparseFourier.from_dict(coefficients, n),
            noise_std=noise_std,
            random_state=None if random_state is None else random_state + 1,
        )

    def value_function(self, coalitions: np.ndarray) -> np.ndarray:
        """The spectrum evaluated on the coalitions, plus noise."""
        values = self.fourier(np.asarray(coalitions, dtype=bool))
        if self.noise_std:
            values = values + self._noise.normal(scale=self.noise_std, size=values.shape)
        return values
