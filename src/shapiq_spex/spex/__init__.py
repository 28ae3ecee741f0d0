"""SPEX's query design, peeling decoder and sparse Fourier transform.

Internal to :class:`~shapiq_spex.SPEX`: nothing is exported here; import from :mod:`.design`
(``plan_design``, ``minimum_budget``), :mod:`.peeling` and :mod:`.transform`
(``sparse_fourier_transform``).
"""

__all__: list[str] = []
