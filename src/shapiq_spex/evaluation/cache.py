"""A durable query cache on SQLite: every paid-for game value survives a crash.

Masks are stored bit-packed, keyed by a user-given game id. Each batch is committed in its own
transaction, in WAL mode, so a crash, Ctrl-C, SIGKILL or an exception in the game loses nothing
that was evaluated before it, and readers in other processes can read while a run writes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

__all__ = ["QueryCache"]

_CHUNK = 900  # bound parameters per statement (SQLite's limit is at least 999)


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
        self._conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL is crash-safe in WAL mode (a committed transaction survives a killed process).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS games (game_id TEXT PRIMARY KEY, n_players INTEGER);
            CREATE TABLE IF NOT EXISTS queries (
                game_id TEXT NOT NULL, mask BLOB NOT NULL, value REAL NOT NULL,
                PRIMARY KEY (game_id, mask)
            ) WITHOUT ROWID;
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

    def _keys(self, masks: np.ndarray) -> list[bytes]:
        masks = np.asarray(masks, dtype=bool)
        if masks.ndim != 2 or masks.shape[1] != self.n_players:
            msg = f"masks must have shape (m, {self.n_players}), got {masks.shape}."
            raise ValueError(msg)
        packed = np.packbits(masks, axis=1)
        return [row.tobytes() for row in packed]

    def lookup(self, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cached values of ``masks``.

        Returns:
            ``(values, found)``: float array ``(m,)`` (NaN where missing) and bool array ``(m,)``.
        """
        keys = self._keys(masks)
        stored: dict[bytes, float] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT mask, value FROM queries WHERE game_id = ? AND mask IN ({marks})",
                (self.game_id, *chunk),
            )
            stored.update(rows)
        values = np.array([stored.get(k, np.nan) for k in keys], dtype=float)
        found = np.array([k in stored for k in keys], dtype=bool)
        self.hits += int(found.sum())
        self.misses += int((~found).sum())
        return values, found

    def store(self, masks: np.ndarray, values: np.ndarray) -> None:
        """Write values in one committed transaction."""
        keys = self._keys(masks)
        values = np.asarray(values, dtype=float)
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "INSERT OR REPLACE INTO queries VALUES (?, ?, ?)",
                [(self.game_id, k, float(v)) for k, v in zip(keys, values, strict=True)],
            )

    def __len__(self) -> int:
        return self._conn.execute(
            "SELECT COUNT(*) FROM queries WHERE game_id = ?", (self.game_id,)
        ).fetchone()[0]

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __repr__(self) -> str:
        return f"QueryCache({str(self.path)!r}, game_id={self.game_id!r}, n={self.n_players})"
