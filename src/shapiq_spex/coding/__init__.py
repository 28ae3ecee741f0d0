"""Binary BCH codes used by SPEX as group-testing codes for sparse Fourier supports.

``bch_code(n, t)`` builds a shortened systematic narrow-sense primitive BCH code with ``n``
message bits that corrects ``t`` errors; ``decode_hard`` and ``decode_chase`` recover sparse
messages (weight plus parity errors at most ``t``) from their noisy parity bits alone.
"""

from shapiq_spex.coding.bch import BCHCode, bch_code
from shapiq_spex.coding.decoding import DecodeResult, decode_chase, decode_hard

__all__ = ["BCHCode", "DecodeResult", "bch_code", "decode_chase", "decode_hard"]
