"""Binary BCH codes used by SPEX as group-testing codes for sparse Fourier supports.

``bch_code(n, t)`` builds a shortened systematic narrow-sense primitive BCH code with ``n``
message bits that corrects ``t`` errors; ``decode_hard`` and ``decode_chase`` recover sparse
messages (weight plus parity errors at most ``t``) from their noisy parity bits alone.

Internal to SPEX: nothing is exported here; import from :mod:`.bch` (``BCHCode``, ``bch_code``)
and :mod:`.decoding` (``DecodeResult``, ``decode_hard``, ``decode_chase``).
"""

# approximators/spex.py still imports bch_code from here; drop this when it imports from .bch.
from .bch import bch_code  # noqa: F401

__all__: list[str] = []
