"""Forward pass of a Llama-architecture transformer in float32 numpy.

One block, for a residual stream ``x``::

    h = x + W_o · concat_heads(mask_h · softmax(q_h k_g^T / sqrt(d) + causal) v_g)   (attention)
    x' = h + W_down · (silu(W_gate · RMSNorm(h)) ⊙ (W_up · RMSNorm(h)))            (SwiGLU MLP)

with ``q = RoPE(W_q · RMSNorm(x))``, ``k = RoPE(W_k · RMSNorm(x))``, ``v = W_v · RMSNorm(x)``,
grouped-query attention (query head ``h`` reads key/value head ``g = h // (n_heads/n_kv_heads)``)
and an optional per-head multiplier ``mask_h`` (1 keeps a head, 0 ablates it) applied to each
head's output before the output projection. The last hidden state goes through a final RMSNorm
and the output embedding (tied to the token embedding when the file has no ``output.weight``).

Rotary embeddings. llama.cpp's converter permutes the rows of ``W_q`` and ``W_k`` so that, in the
GGUF file, the rotated pairs of a head are adjacent dimensions ``(2i, 2i+1)`` with angle
``position · base^(-2i/d)`` (llama.cpp's "normal" RoPE). Attention scores only depend on
``q · k``, which is unchanged when the same permutation of head dimensions is applied to both,
so at load time the rows of every head of ``W_q`` and ``W_k`` are reordered to
``[0, 2, 4, ..., d-2, 1, 3, ..., d-1]``: pair ``i`` becomes ``(i, i + d/2)`` and the rotation is
done on two contiguous halves (cheaper than strided pairs, and the result is identical).

All arrays are float32; matrix products run on 2-D arrays so that BLAS is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit

from .gguf_loader import GGUFModel, LlamaConfig

__all__ = ["ForwardOutput", "KVCache", "LlamaModel"]

_NEG = np.float32(-1e9)  # additive attention bias of a hidden key (finite: no NaN rows)


@dataclass
class KVCache:
    """Keys and values of already processed tokens, per layer.

    Attributes:
        keys: Per layer, rotated keys of shape ``(batch, n_kv_heads, length, head_dim)``.
            Any sequence indexed by layer will do (blockwise context encoding assembles a
            layer's keys when the forward pass reaches it).
        values: Per layer, values of the same shape.
        key_mask: ``(batch, length)``, True where the cached token is real (not padding).
        next_position: ``(batch,)``, the rotary position of the next token of each row.

    A cache with batch size 1 is shared by (broadcast to) all rows of a forward pass.
    """

    keys: Sequence[np.ndarray]
    values: Sequence[np.ndarray]
    key_mask: np.ndarray
    next_position: np.ndarray

    @property
    def batch_size(self) -> int:
        """Number of rows."""
        return int(self.key_mask.shape[0])

    @property
    def length(self) -> int:
        """Number of cached positions (padding included)."""
        return int(self.key_mask.shape[1])

    def repeat(self, repeats: int) -> KVCache:
        """Each row repeated ``repeats`` times (row ``r`` becomes rows ``r*repeats ...``)."""
        if not isinstance(repeats, int | np.integer) or repeats < 1:
            msg = f"repeats must be a positive int, got {repeats!r}."
            raise ValueError(msg)
        return KVCache(
            keys=[np.repeat(k, repeats, axis=0) for k in self.keys],
            values=[np.repeat(v, repeats, axis=0) for v in self.values],
            key_mask=np.repeat(self.key_mask, repeats, axis=0),
            next_position=np.repeat(self.next_position, repeats, axis=0),
        )


@dataclass
class ForwardOutput:
    """Result of :meth:`LlamaModel.forward`.

    Attributes:
        hidden: Final hidden states after the last RMSNorm, ``(batch, length, hidden_size)``;
            logits are ``hidden @ model.lm_head`` (see :meth:`LlamaModel.logits`).
        cache: The key/value cache of the input appended to the given cache (only when
            ``return_cache=True``).
    """

    hidden: np.ndarray
    cache: KVCache | None = None


@dataclass
class _Layer:
    # Linear maps are stored (out, in) as in the file and applied as ``x @ w.T``: BLAS reads the
    # transpose in place, so no transposed copy is made at load time.
    attn_norm: np.ndarray  # (hidden,)
    wqkv: np.ndarray  # ((n_heads + 2 n_kv) head_dim, hidden), q/k rows de-interleaved
    wo: np.ndarray  # (hidden, n_heads head_dim)
    ffn_norm: np.ndarray  # (hidden,)
    wgate_up: np.ndarray  # (2 ffn, hidden): gate rows, then up rows
    wdown: np.ndarray  # (hidden, ffn)


@dataclass(frozen=True)
class _Step:
    """What every layer of one forward call shares: shapes, rotary angles, attention bias."""

    batch: int
    length: int
    past: int
    start: np.ndarray
    cos: np.ndarray
    sin: np.ndarray
    key_valid: np.ndarray
    bias: np.ndarray
    cache: KVCache | None
    head_mask: np.ndarray | None


def _rms_norm(x: np.ndarray, weight: np.ndarray, eps: np.float32) -> np.ndarray:
    """RMSNorm over the last axis: ``x / sqrt(mean(x^2) + eps) * weight``."""
    mean_square = np.einsum("ij,ij->i", x, x)[:, None] / np.float32(x.shape[-1])
    return x * (np.float32(1.0) / np.sqrt(mean_square + eps)) * weight


def _deinterleave_rows(weight: np.ndarray, n_heads: int, head_dim: int) -> np.ndarray:
    """Reorder each head's output rows from pairs ``(2i, 2i+1)`` to halves ``(i, i + d/2)``."""
    order = np.concatenate([np.arange(0, head_dim, 2), np.arange(1, head_dim, 2)])
    return weight.reshape(n_heads, head_dim, -1)[:, order, :].reshape(n_heads * head_dim, -1)


@dataclass
class LlamaModel:
    """A Llama-architecture language model held as float32 numpy arrays.

    Build it with :meth:`from_gguf`. ``forward`` processes a batch of token sequences and
    returns the final hidden states; ``logits`` maps chosen hidden states to vocabulary logits.

    Attributes:
        config: Hyperparameters.
        embedding: Token embedding ``(vocab, hidden)``.
        lm_head: Output projection ``(hidden, vocab)`` (a transposed view of the embedding when
            tied).
        output_norm: Weight of the final RMSNorm.
        layers: Per-block weights.
    """

    config: LlamaConfig
    embedding: np.ndarray
    lm_head: np.ndarray
    output_norm: np.ndarray
    layers: list[_Layer]
    _rope_cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def from_gguf(cls, contents: GGUFModel) -> LlamaModel:
        """Arrange the tensors of a GGUF file for the forward pass.

        Args:
            contents: The file's contents, from
                :func:`~shapiq_spex.engines.numpy.gguf_loader.read_gguf`.

        Returns:
            The model.

        Raises:
            NotImplementedError: Partial rotary embeddings (``rope_dim != head_dim``).
            ValueError: A tensor is missing or has an unexpected shape.
        """
        config = contents.config
        tensors = contents.tensors
        if config.rope_dim != config.head_dim:
            msg = f"Partial RoPE (rope_dim {config.rope_dim} < {config.head_dim}) is unsupported."
            raise NotImplementedError(msg)
        if config.n_heads % config.n_kv_heads:
            msg = f"n_heads {config.n_heads} is not a multiple of n_kv_heads {config.n_kv_heads}."
            raise ValueError(msg)

        def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
            if name not in tensors:
                msg = f"GGUF tensor {name} is missing."
                raise ValueError(msg)
            array = tensors[name]
            if array.shape != shape:
                msg = f"GGUF tensor {name} has shape {array.shape}, expected {shape}."
                raise ValueError(msg)
            return array

        hidden, hd, ffn = config.hidden_size, config.head_dim, config.ffn_size
        nq, nkv = config.n_heads * hd, config.n_kv_heads * hd
        layers = []
        for i in range(config.n_layers):
            prefix = f"blk.{i}."
            wq = _deinterleave_rows(get(prefix + "attn_q.weight", (nq, hidden)), config.n_heads, hd)
            wk = _deinterleave_rows(
                get(prefix + "attn_k.weight", (nkv, hidden)), config.n_kv_heads, hd
            )
            wv = get(prefix + "attn_v.weight", (nkv, hidden))
            layers.append(
                _Layer(
                    attn_norm=get(prefix + "attn_norm.weight", (hidden,)),
                    wqkv=np.concatenate([wq, wk, wv], axis=0),
                    wo=get(prefix + "attn_output.weight", (hidden, nq)),
                    ffn_norm=get(prefix + "ffn_norm.weight", (hidden,)),
                    wgate_up=np.concatenate(
                        [
                            get(prefix + "ffn_gate.weight", (ffn, hidden)),
                            get(prefix + "ffn_up.weight", (ffn, hidden)),
                        ],
                        axis=0,
                    ),
                    wdown=get(prefix + "ffn_down.weight", (hidden, ffn)),
                )
            )
        embedding = get("token_embd.weight", (config.vocab_size, hidden))
        head = tensors.get("output.weight", embedding)  # tied when the file has no output.weight
        return cls(
            config=config,
            embedding=embedding,
            lm_head=head.T,
            output_norm=get("output_norm.weight", (hidden,)),
            layers=layers,
        )

    # ------------------------------------------------------------------ rotary embeddings
    def _rotary(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cos and sin of ``position · theta_i`` at ``positions`` ``(B, T)``: ``(B, T, 1, d/2)``."""
        top = int(positions.max(initial=0)) + 1
        table = self._rope_cache.get("cos")
        if table is None or table.shape[0] < top:
            size = max(top, 512)
            half = self.config.head_dim // 2
            exponent = np.arange(half, dtype=np.float64) * 2.0 / self.config.rope_dim
            inv_freq = self.config.rope_base ** (-exponent)
            angles = np.arange(size, dtype=np.float64)[:, None] * inv_freq[None, :]
            self._rope_cache["cos"] = np.cos(angles).astype(np.float32)
            self._rope_cache["sin"] = np.sin(angles).astype(np.float32)
        cos = self._rope_cache["cos"][positions][:, :, None, :]
        sin = self._rope_cache["sin"][positions][:, :, None, :]
        return cos, sin

    @staticmethod
    def _apply_rotary(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
        """Rotate pairs ``(i, i + d/2)`` of the last axis of ``x`` ``(B, T, heads, d)``."""
        half = x.shape[-1] // 2
        x1, x2 = x[..., :half], x[..., half:]
        return np.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)

    def shift_keys(self, keys: np.ndarray, shift: np.ndarray) -> np.ndarray:
        """Keys rotated at positions ``p`` moved to positions ``p + shift``.

        Rotations compose, ``R(p + d) = R(d) R(p)``, so a cached key is moved by rotating it
        once more by ``d``; this is how blockwise context encoding re-positions a block that
        was encoded at another offset.

        Args:
            keys: Rotated keys ``(batch, n_kv_heads, length, head_dim)``.
            shift: Non-negative integer offsets, ``(batch, length)``.

        Returns:
            The re-rotated keys, same shape, float32.
        """
        shift = np.asarray(shift)
        if shift.shape != (keys.shape[0], keys.shape[2]) or shift.min(initial=0) < 0:
            msg = f"shift must be non-negative, shape {(keys.shape[0], keys.shape[2])}."
            raise ValueError(msg)
        cos, sin = self._rotary(shift)  # (B, T, 1, d/2)
        return self._apply_rotary(keys, cos.transpose(0, 2, 1, 3), sin.transpose(0, 2, 1, 3))

    # ------------------------------------------------------------------ validation
    def _check_inputs(
        self,
        tokens: np.ndarray,
        attention_mask: np.ndarray | None,
        cache: KVCache | None,
        head_mask: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        tokens = np.asarray(tokens)
        if tokens.ndim == 1:
            tokens = tokens[None, :]
        if tokens.ndim != 2 or tokens.shape[1] == 0 or not np.issubdtype(tokens.dtype, np.integer):
            msg = f"tokens must be a non-empty (batch, length) integer array, got {tokens.shape}."
            raise ValueError(msg)
        if tokens.min() < 0 or tokens.max() >= self.config.vocab_size:
            msg = f"tokens must lie in [0, {self.config.vocab_size})."
            raise ValueError(msg)
        batch = tokens.shape[0]
        if attention_mask is None:
            mask = np.ones(tokens.shape, dtype=bool)
        else:
            mask = np.asarray(attention_mask).astype(bool)
            if mask.shape != tokens.shape:
                msg = f"attention_mask must have shape {tokens.shape}, got {mask.shape}."
                raise ValueError(msg)
        if cache is not None and cache.batch_size not in (1, batch):
            msg = f"cache has batch size {cache.batch_size}; expected 1 or {batch}."
            raise ValueError(msg)
        if head_mask is not None:
            shape = (self.config.n_layers, self.config.n_heads)
            hm = np.asarray(head_mask, dtype=np.float32)
            if hm.shape == shape:
                hm = hm[None]
            if hm.ndim != 3 or hm.shape[1:] != shape or hm.shape[0] not in (1, batch):
                msg = f"head_mask must have shape {shape} or ({batch}, *{shape}), got {hm.shape}."
                raise ValueError(msg)
            head_mask = hm
        return tokens, mask, head_mask

    # ------------------------------------------------------------------ forward
    def forward(
        self,
        tokens: np.ndarray,
        *,
        attention_mask: np.ndarray | None = None,
        cache: KVCache | None = None,
        head_mask: np.ndarray | None = None,
        return_cache: bool = False,
    ) -> ForwardOutput:
        """Run the transformer on a batch of token sequences.

        Sequences of different lengths are padded (left or right) and ``attention_mask`` marks
        the real tokens: a padded position is never attended to, and the rotary position of a
        real token counts only the real tokens before it. With right padding the hidden states
        of the real tokens do not depend on the padding at all.

        Args:
            tokens: Token ids ``(batch, length)`` (or ``(length,)`` for one sequence).
            attention_mask: ``(batch, length)``, nonzero at real tokens (default: all real).
            cache: Keys/values of tokens that precede every row (e.g. a shared prompt prefix,
                batch size 1, or one prefix per row). It must have been computed with the same
                ``head_mask``.
            head_mask: Multiplier of each attention head's output before the output projection,
                ``(n_layers, n_heads)`` for all rows or ``(batch, n_layers, n_heads)`` per row.
                ``None`` keeps all heads (same as all ones).
            return_cache: Also return the cache extended by this input (for generation).

        Returns:
            The final hidden states (after the last RMSNorm) and optionally the cache.

        Raises:
            ValueError: A shape or token id is invalid.
        """
        tokens, mask, head_mask = self._check_inputs(tokens, attention_mask, cache, head_mask)
        cfg = self.config
        batch, length = tokens.shape
        step = self._step(mask, cache, head_mask)
        eps = np.float32(cfg.rms_eps)
        x = self.embedding[tokens.reshape(-1)]  # (B*T, hidden)
        new_keys, new_values = [], []
        for index, layer in enumerate(self.layers):
            out, k, v = self._attention(layer, index, _rms_norm(x, layer.attn_norm, eps), step)
            if return_cache:
                new_keys.append(k)
                new_values.append(v)
            x = x + out @ layer.wo.T
            h = _rms_norm(x, layer.ffn_norm, eps)
            gate_up = h @ layer.wgate_up.T
            gate, up = gate_up[:, : cfg.ffn_size], gate_up[:, cfg.ffn_size :]
            x = x + (gate * expit(gate) * up) @ layer.wdown.T

        hidden = _rms_norm(x, self.output_norm, eps).reshape(batch, length, cfg.hidden_size)
        new_cache = None
        if return_cache:
            new_cache = KVCache(
                keys=new_keys,
                values=new_values,
                key_mask=step.key_valid,
                next_position=step.start + mask.sum(axis=1),
            )
        return ForwardOutput(hidden=hidden, cache=new_cache)

    def _step(self, mask: np.ndarray, cache: KVCache | None, head_mask: np.ndarray | None) -> _Step:
        """Rotary angles and the attention bias of one forward call."""
        batch, length = mask.shape
        past = 0 if cache is None else cache.length
        if cache is None:
            start = np.zeros(batch, dtype=np.int64)
            past_mask = np.zeros((batch, 0), dtype=bool)
        else:
            start = np.broadcast_to(cache.next_position, (batch,))
            past_mask = np.broadcast_to(cache.key_mask, (batch, past))
        positions = np.maximum(start[:, None] + np.cumsum(mask, axis=1) - 1, 0)
        cos, sin = self._rotary(positions)
        key_valid = np.concatenate([past_mask, mask], axis=1)  # (B, S)
        causal = np.arange(past + length)[None, :] <= past + np.arange(length)[:, None]  # (T, S)
        bias = np.where(causal[None] & key_valid[:, None, :], np.float32(0.0), _NEG)
        bias = bias.astype(np.float32)[:, None, None, :, :]  # (B, 1, 1, T, S)
        return _Step(batch, length, past, start, cos, sin, key_valid, bias, cache, head_mask)

    def _attention(
        self, layer: _Layer, index: int, h: np.ndarray, step: _Step
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One layer's attention output ``(B*T, heads*d)`` and its keys and values."""
        cfg = self.config
        batch, length, past = step.batch, step.length, step.past
        n_heads, n_kv, hd = cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
        group = n_heads // n_kv
        qkv = h @ layer.wqkv.T
        q = qkv[:, : n_heads * hd].reshape(batch, length, n_heads, hd)
        k = qkv[:, n_heads * hd : (n_heads + n_kv) * hd].reshape(batch, length, n_kv, hd)
        v = qkv[:, (n_heads + n_kv) * hd :].reshape(batch, length, n_kv, hd)
        q = self._apply_rotary(q, step.cos, step.sin) * np.float32(1.0 / np.sqrt(hd))
        k = self._apply_rotary(k, step.cos, step.sin).transpose(0, 2, 1, 3)  # (B, kv, T, d)
        v = v.transpose(0, 2, 1, 3)
        if step.cache is not None:
            shape = (batch, n_kv, past, hd)
            k = np.concatenate([np.broadcast_to(step.cache.keys[index], shape), k], axis=2)
            v = np.concatenate([np.broadcast_to(step.cache.values[index], shape), v], axis=2)
        # queries of one key/value group stacked: (B, kv, group*T, d)
        q = q.transpose(0, 2, 1, 3).reshape(batch, n_kv, group * length, hd)
        scores = (q @ k.transpose(0, 1, 3, 2)).reshape(batch, n_kv, group, length, -1)
        scores += step.bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        out = scores.reshape(batch, n_kv, group * length, -1) @ v  # (B, kv, group*T, d)
        out = out.reshape(batch, n_heads, length, hd)
        if step.head_mask is not None:
            out = out * step.head_mask[:, index, :, None, None]
        return out.transpose(0, 2, 1, 3).reshape(batch * length, n_heads * hd), k, v

    def logits(self, hidden: np.ndarray) -> np.ndarray:
        """Vocabulary logits of final hidden states ``(..., hidden_size)`` -> ``(..., vocab)``."""
        hidden = np.asarray(hidden, dtype=np.float32)
        flat = hidden.reshape(-1, self.config.hidden_size)
        return (flat @ self.lm_head).reshape(*hidden.shape[:-1], self.config.vocab_size)

    def log_probs(self, hidden: np.ndarray, *, chunk: int = 256) -> np.ndarray:
        """Next-token log-probabilities (log-softmax of the logits) of hidden states ``(n, H)``.

        Args:
            hidden: Final hidden states, ``(n, hidden_size)``.
            chunk: Rows per logits matrix (bounds memory to ``chunk * vocab`` floats).

        Returns:
            ``(n, vocab)`` float32 log-probabilities.
        """
        hidden = np.asarray(hidden, dtype=np.float32).reshape(-1, self.config.hidden_size)
        out = np.empty((hidden.shape[0], self.config.vocab_size), dtype=np.float32)
        for lo in range(0, hidden.shape[0], chunk):
            logits = self.logits(hidden[lo : lo + chunk])
            top = logits.max(axis=1, keepdims=True)
            shifted = logits - top
            out[lo : lo + chunk] = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return out
