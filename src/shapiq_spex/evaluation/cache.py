"""A durable query cache on SQLite: every paid-for game value survives a crash.

Each evaluated batch is appended as one row (its masks bit-packed into one blob, its values
into another), keyed by a user-given game id, in its own committed transaction in WAL mode. A
crash, Ctrl-C, SIGKILL or an exception in the game therefore loses nothing that was evaluated
before it, and readers in other processes can read while a run writes.

Why whole batches, not one row per mask: rows keyed by mask land at random places in a
B-tree, so every committed batch rewrote most of the table's pages into the WAL (about 30 µs
per query at n = 1000). Appending one row per batch writes each byte once. Lookups go through
an in-memory dictionary filled from the file and brought up to date (new batches only, from any
process) before every lookup.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

__all__ = ["QueryCache"]


class QueryCache:
    """Mask -> value store for one game.

    Args:
        path: SQLite file (created if missing).
        game_id: Identifies the game; values of different ids never mix. Use a new id whenever
            the game changes (model, input, scorer...).
        n_players: Number of players; checked against the id's first use.

    Attributes:
        hits: Masks answered from the cache since this object was created.
        misses: Masks that had to be evaluated.

    Notes:
        The values of ``game_id`` are held in memory (about ``n / 8 + 100`` bytes per stored
        mask). When a mask was stored twice, the later value wins.
    """

    def __init__(self, path: str | Path, game_id: str, n_players: int) -> None:
        if not isinstance(game_id, str) or not game_id:
            msg = f"game_id must be a non-empty string, got {game_id!r}."
            raise ValueError(msg)
        if isinstance(n_players, bool) or not isinstance(n_players, int) or n_players < 1:
            msg = f"n_players must be a positive integer, got {n_players!r}."
            raise ValueError(msg)
        self.path = Path(path)
        self.game_id = game_id
        self.n_players = n_players
        self.hits = 0
        self.misses = 0
        self._row_bytes = (n_players + 7) // 8
        self._stored: dict[bytes, float] = {}
        self._last_batch = 0  # id of the newest batch read into _stored
        self._conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL is crash-safe in WAL mode (a committed transaction survives a killed process).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS games (game_id TEXT PRIMARY KEY, n_players INTEGER);
            CREATE TABLE IF NOT EXISTS batches (
                id INTEGER PRIMARY KEY, game_id TEXT NOT NULL, size INTEGER NOT NULL,
                masks BLOB NOT NULL, "values" BLOB NOT NULL
            );
            CREATE INDEX IF NOT EXISTS batches_by_game ON batches (game_id, id);
            """
        )
        row = self._conn.execute(
            "SELECT n_players FROM games WHERE game_id = ?", (game_id,)
        ).fetchone()
        if row is None:
            self._conn.execute("INSERT OR IGNORE INTO games VALUES (?, ?)", (game_id, n_players))
        elif row[0] != n_players:
            msg = (
                f"the cache {self.path} holds game_id={game_id!r} with {row[0]} players, "
                f"not {n_players}; use another game_id."
            )
            raise ValueError(msg)

    def _packed(self, masks: np.ndarray) -> bytes:
        masks = np.asarray(masks, dtype=bool)
        if masks.ndim != 2 or masks.shape[1] != self.n_players:
            msg = f"masks must have shape (m, {self.n_players}), got {masks.shape}."
            raise ValueError(msg)
        return np.packbits(masks, axis=1).tobytes()

    def _split(self, packed: bytes) -> list[bytes]:
        width = self._row_bytes
        return [packed[i : i + width] for i in range(0, len(packed), width)]

    def _sync(self) -> None:
        """Read the batches committed (by any process) since the last read."""
        rows = self._conn.execute(
            'SELECT id, masks, "values" FROM batches WHERE game_id = ? AND id > ? ORDER BY id',
            (self.game_id, self._last_batch),
        )
        for batch_id, masks, values in rows:
            self._stored.update(
                zip(self._split(masks), np.frombuffer(values, dtype="<f8").tolist(), strict=True)
            )
            self._last_batch = batch_id

    def lookup(self, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cached values of ``masks``.

        Returns:
            ``(values, found)``: float array ``(m,)`` (NaN where missing) and bool array ``(m,)``.
        """
        keys = self._split(self._packed(masks))
        self._sync()
        stored = self._stored.get
        values = np.array([stored(k, np.nan) for k in keys], dtype=float)
        found = ~np.isnan(values)  # stored values are never NaN (the evaluator rejects them)
        self.hits += int(found.sum())
        self.misses += int(found.size - found.sum())
        return values, found

    def store(self, masks: np.ndarray, values: np.ndarray) -> None:
        """Write a batch of values in one committed transaction.

        Raises:
            ValueError: If ``masks`` is not ``(m, n_players)``, ``values`` not ``(m,)``, or a
                value is not finite.
        """
        packed = self._packed(masks)
        values = np.asarray(values, dtype="<f8")
        m = len(packed) // self._row_bytes
        if values.shape != (m,):
            msg = f"values must have shape ({m},), got {values.shape}."
            raise ValueError(msg)
        if not np.isfinite(values).all():
            msg = "values must be finite; a NaN or infinity is never cached."
            raise ValueError(msg)
        if m == 0:
            return
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.execute(
                'INSERT INTO batches (game_id, size, masks, "values") VALUES (?, ?, ?, ?)',
                (self.game_id, m, packed, values.tobytes()),
            )
        self._sync()

    def __len__(self) -> int:
        self._sync()
        return len(self._stored)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __repr__(self) -> str:
        return f"QueryCache({str(self.path)!r}, game_id={self.game_id!r}, n={self.n_players})"
