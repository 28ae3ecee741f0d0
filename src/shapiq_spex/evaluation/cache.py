"""A durable query cache on SQLite: every paid-for game value survives a crash.

Each evaluated batch is appended as one row (its masks bit-packed into one blob, its values
into another, and a CRC32 of both), keyed by a user-given game id, in its own committed
transaction in WAL mode. A crash, Ctrl-C, SIGKILL or an exception in the game therefore loses
nothing that was evaluated before it, and readers in other processes can read while a run
writes.

Why whole batches, not one row per mask: rows keyed by mask land at random places in a
B-tree, so every committed batch rewrote most of the table's pages into the WAL (about 30 µs
per query at n = 1000). Appending one row per batch writes each byte once. Lookups go through
an in-memory dictionary filled from the file and brought up to date (new batches only, from any
process) before every lookup; each batch's checksum is verified once, when it is read.

Why a checksum: SQLite's own checks cover its page structure, not the bytes of a blob; a
damaged blob would feed wrong values to the transform without any error.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
import uuid
import warnings
import zlib
from pathlib import Path

import numpy as np

from .._validation import check_int
from .errors import CacheWriteError

__all__ = ["QueryCache", "check_cache_path"]

# Written into the SQLite header ("SPXQ"): marks a file as this package's query cache.
_APPLICATION_ID = 0x53505851
_SCHEMA_VERSION = 2  # 1: the first layout (no checksums, no header marker)
_TABLES = (
    "CREATE TABLE IF NOT EXISTS games (game_id TEXT PRIMARY KEY, n_players INTEGER)",
    """CREATE TABLE IF NOT EXISTS batches (
        id INTEGER PRIMARY KEY, game_id TEXT NOT NULL, size INTEGER NOT NULL,
        masks BLOB NOT NULL, "values" BLOB NOT NULL, checksum INTEGER
    )""",
    "CREATE INDEX IF NOT EXISTS batches_by_game ON batches (game_id, id)",
)
_BUSY_TIMEOUT = 60.0  # seconds to wait for another process's write
_VERSION_1_COLUMNS = {
    "games": ["game_id", "n_players"],
    "batches": ["id", "game_id", "size", "masks", "values"],
}


def _checksum(game_id: str, size: int, masks: bytes, values: bytes) -> int:
    """CRC32 of a batch: its game, size, packed masks and values (about 0.04 µs per query)."""
    crc = zlib.crc32(f"{game_id}\x00{size}\x00".encode())
    return zlib.crc32(values, zlib.crc32(masks, crc))


def _usable_path(path: object) -> Path | str:
    """``path`` if a cache can be created or opened there, else a clear error naming it."""
    if isinstance(path, str) and path == ":memory:":
        return path
    if not isinstance(path, str | os.PathLike):
        msg = f"path must be a str or os.PathLike (a file, or ':memory:'), got {path!r}."
        raise TypeError(msg)
    file = Path(path)
    try:
        _check_location(file)
    except OSError as exc:  # e.g. a folder on the way that may not be entered
        msg = f"cannot use {file} as a query cache: {exc}."
        raise ValueError(msg) from None
    return file


def _check_location(file: Path) -> None:
    """Raise a ValueError naming ``file`` unless a cache can be created or opened there."""
    if file.is_dir():
        msg = f"path {file} is a directory; pass a file in it, e.g. {file / 'queries.sqlite'}."
        raise ValueError(msg)
    folder = file.parent
    if not folder.is_dir():
        msg = f"the folder {folder} of the cache file {file} does not exist; create it first."
        raise ValueError(msg)
    as_effective_user = os.access in os.supports_effective_ids
    if not os.access(folder, os.W_OK | os.X_OK, effective_ids=as_effective_user):
        msg = (
            f"the folder {folder} is not writable, so the cache {file} cannot be used there "
            "(SQLite writes its -wal and -shm files next to the cache file)."
        )
        raise ValueError(msg)
    if not file.exists():
        return
    if not stat.S_ISREG(file.stat().st_mode):  # /dev/null, a pipe...: SQLite would write a
        msg = (  # -journal file next to it and "store" every value into nothing
            f"{file} is not a regular file, so it cannot hold a query cache; pass the path of "
            "a new file (it is created) or of a cache written by shapiq-spex."
        )
        raise ValueError(msg)
    if not os.access(file, os.R_OK | os.W_OK, effective_ids=as_effective_user):
        msg = f"the cache file {file} is not readable and writable."
        raise ValueError(msg)


def _set_up(conn: sqlite3.Connection) -> None:
    """Create the tables and mark the file as ours, in the open transaction of ``conn``."""
    for statement in _TABLES:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")


def _create(file: Path) -> None:
    """Create an empty cache at ``file``, unless a file appears there first.

    Built in a temporary file next to it and hard-linked into place, so the path never holds
    a half-made cache: an existing file that is not a cache can then always be refused, even
    when another process is creating the same cache at the same moment.
    """
    temporary = file.with_name(f".{file.name}.{uuid.uuid4().hex}.tmp")
    conn = sqlite3.connect(temporary, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")  # persistent: stored in the file's header
        with conn:
            conn.execute("BEGIN")
            _set_up(conn)
    finally:
        conn.close()  # the last connection: checkpoints and removes the -wal and -shm files
    try:
        os.link(temporary, file)
    except FileExistsError:
        pass  # another process created it meanwhile; it is opened and checked like any file
    except OSError:  # a file system without hard links: a rename, which may replace a file
        if not file.exists():  # that appeared in the last microseconds (then both are ours)
            os.replace(temporary, file)
    finally:
        temporary.unlink(missing_ok=True)


def _layout(conn: sqlite3.Connection, path: Path) -> str:
    """``"ours"``, ``"empty"`` (``":memory:"`` only) or ``"version 1"``; else raise.

    Only reads, so that a foreign file is left exactly as it was.
    """
    try:
        with conn:  # one read transaction: a consistent view if another process
            conn.execute("BEGIN")  # is setting up the same file right now
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            columns = "SELECT name FROM pragma_table_info(?)"
            tables = {
                name: [c for (c,) in conn.execute(columns, (name,))] for (name,) in names.fetchall()
            }
    except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
        msg = f"{path} is not a shapiq-spex query cache ({exc}); refusing to use it."
        raise ValueError(msg) from None
    if app_id == _APPLICATION_ID:
        if version > _SCHEMA_VERSION:
            msg = (
                f"the query cache {path} was written by a newer shapiq-spex (layout "
                f"{version}; this one reads up to {_SCHEMA_VERSION}); upgrade shapiq-spex."
            )
            raise ValueError(msg)
        return "ours"
    if app_id == 0 and not tables and str(path) == ":memory:":
        return "empty"
    if app_id == 0 and not tables:  # not created by us: someone's empty file or database
        what = "an empty file" if path.stat().st_size == 0 else "an empty SQLite database"
        msg = (
            f"{path} is {what}, not a shapiq-spex query cache; refusing to use it. "
            "Pass the path of a new file (it is created) or of a cache written by shapiq-spex."
        )
        raise ValueError(msg)
    if app_id == 0 and tables == _VERSION_1_COLUMNS:
        return "version 1"
    msg = (
        f"{path} is not a shapiq-spex query cache (it holds the tables "
        f"{sorted(tables)}); refusing to write into it. Pass the path of a new file."
    )
    raise ValueError(msg)


def check_cache_path(path: str | os.PathLike) -> None:
    """Raise unless ``path`` can hold a query cache: a new file, or a cache of this package.

    What :class:`QueryCache` checks when it opens ``path``, without creating or changing any
    file; for a command that must refuse a bad cache before it evaluates anything.

    Raises:
        TypeError: If ``path`` is not a str or os.PathLike.
        ValueError: If the path cannot hold a cache (see :class:`QueryCache`).
    """
    location = _usable_path(path)
    if not isinstance(location, Path) or not location.exists():
        return
    uri = f"{location.absolute().as_uri()}?mode=rw"
    conn = sqlite3.connect(uri, timeout=_BUSY_TIMEOUT, isolation_level=None, uri=True)
    try:
        _layout(conn, location)
    finally:
        conn.close()


class QueryCache:
    """Mask -> value store for one game.

    Args:
        path: SQLite file (created if missing; its folder must exist and be writable), or
            ``":memory:"``. An existing file must be a cache written by this package.
        game_id: Identifies the game; values of different ids never mix. Use a new id whenever
            the game changes (model, input, scorer...).
        n_players: Number of players; checked against the id's first use.

    Attributes:
        hits: Masks answered from the cache since this object was created.
        misses: Masks that had to be evaluated.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If the path cannot hold a cache (missing or read-only folder, a directory,
            a file that is not this package's cache), or the id was used with another ``n``.

    Warns:
        UserWarning: When a stored batch fails its checksum (it is ignored, so its masks are
            evaluated again), and once when a cache of the first layout (without checksums)
            is upgraded in place.

    Notes:
        The values of ``game_id`` are held in memory (about ``n / 8 + 100`` bytes per stored
        mask). When a mask was stored twice, the later value wins.
    """

    def __init__(self, path: str | os.PathLike, game_id: str, n_players: int) -> None:
        if not isinstance(game_id, str):
            msg = f"game_id must be a string, got {type(game_id).__name__} {game_id!r}."
            raise TypeError(msg)
        if not game_id:
            msg = "game_id must be a non-empty string, got ''."
            raise ValueError(msg)
        n_players = check_int(n_players, "n_players", minimum=1)
        location = _usable_path(path)
        self.path = Path(location)
        self.game_id = game_id
        self.n_players = n_players
        self.hits = 0
        self.misses = 0
        self._row_bytes = (n_players + 7) // 8
        self._stored: dict[bytes, float] = {}
        self._last_batch = 0  # id of the newest batch read into _stored
        if isinstance(location, Path):
            if not location.exists():
                _create(location)
            # mode=rw: never create a file here (it exists, and was checked above)
            location = f"{location.absolute().as_uri()}?mode=rw"
        self._conn = sqlite3.connect(
            location, timeout=_BUSY_TIMEOUT, isolation_level=None, uri=True
        )
        try:
            self._open_schema()
            self._register_game()
        except BaseException:
            self._conn.close()
            raise

    # -- opening ------------------------------------------------------------------------------

    def _layout(self) -> str:
        """``"ours"``, ``"empty"`` (``":memory:"`` only) or ``"version 1"``; else raise."""
        return _layout(self._conn, self.path)

    def _open_schema(self) -> None:
        """Check the file is ours (or new, or of the first layout), then set it up."""
        layout = self._layout()
        self._use_wal()
        # NORMAL is crash-safe in WAL mode (a committed transaction survives a killed process).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        if layout == "ours":
            return
        with self._conn:
            # IMMEDIATE: another process opening the same file waits instead of racing.
            self._conn.execute("BEGIN IMMEDIATE")
            if self._conn.execute("PRAGMA application_id").fetchone()[0] == _APPLICATION_ID:
                return  # another process set it up meanwhile
            upgraded = self._upgrade_version_1() if layout == "version 1" else None
            _set_up(self._conn)
        if upgraded is not None:
            warnings.warn(
                f"upgraded the query cache {self.path} (written before checksums) in place: its "
                f"{upgraded} batches were checksummed as found, so damage done to them before "
                "now cannot be detected.",
                UserWarning,
                stacklevel=3,
            )

    def _use_wal(self) -> None:
        """Switch the file to WAL mode (persistent), retrying while another connection does.

        The switch needs an exclusive lock, and SQLite answers "database is locked" at once,
        without waiting, when two connections try it together on a new file.
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode=WAL")  # (":memory:" stays in memory)
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _upgrade_version_1(self) -> int:
        """Add the checksum column to a first-layout cache; return the number of batches."""
        self._conn.execute("ALTER TABLE batches ADD COLUMN checksum INTEGER")
        rows = self._conn.execute('SELECT id, game_id, size, masks, "values" FROM batches')
        sums = [(_checksum(g, size, m, v), i) for i, g, size, m, v in rows.fetchall()]
        self._conn.executemany("UPDATE batches SET checksum = ? WHERE id = ?", sums)
        return len(sums)

    def _register_game(self) -> None:
        row = self._conn.execute(
            "SELECT n_players FROM games WHERE game_id = ?", (self.game_id,)
        ).fetchone()
        if row is None:
            self._conn.execute(
                "INSERT OR IGNORE INTO games VALUES (?, ?)", (self.game_id, self.n_players)
            )
        elif row[0] != self.n_players:
            msg = (
                f"the cache {self.path} holds game_id={self.game_id!r} with {row[0]} players, "
                f"not {self.n_players}; use another game_id."
            )
            raise ValueError(msg)

    # -- reading and writing ------------------------------------------------------------------

    def _packed(self, masks: np.ndarray) -> np.ndarray:
        masks = np.asarray(masks, dtype=bool)
        if masks.ndim != 2 or masks.shape[1] != self.n_players:
            msg = f"masks must have shape (m, {self.n_players}), got {masks.shape}."
            raise ValueError(msg)
        return np.packbits(masks, axis=1)

    def _split(self, packed: bytes) -> list[bytes]:
        width = self._row_bytes
        return [packed[i : i + width] for i in range(0, len(packed), width)]

    def _sync(self) -> None:
        """Read the batches committed (by any process) since the last read."""
        rows = self._conn.execute(
            'SELECT id, size, masks, "values", checksum FROM batches '
            "WHERE game_id = ? AND id > ? ORDER BY id",
            (self.game_id, self._last_batch),
        )
        for batch_id, size, masks, values, checksum in rows:
            self._last_batch = batch_id
            if (
                checksum != _checksum(self.game_id, size, masks, values)
                or len(masks) != size * self._row_bytes
                or len(values) != 8 * size
            ):
                warnings.warn(
                    f"the query cache {self.path}: batch {batch_id} of game_id="
                    f"{self.game_id!r} fails its checksum (the file was modified or damaged); "
                    f"its {size} values are ignored and will be evaluated again.",
                    UserWarning,
                    stacklevel=3,
                )
                continue
            self._stored.update(
                zip(self._split(masks), np.frombuffer(values, dtype="<f8").tolist(), strict=True)
            )

    def lookup(self, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cached values of ``masks``.

        Returns:
            ``(values, found)``: float array ``(m,)`` (NaN where missing) and bool array ``(m,)``.
        """
        return self._lookup_packed(self._packed(masks))

    def _lookup_packed(self, packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`lookup` of bit-packed masks, ``(m, ceil(n / 8))`` uint8."""
        keys = self._split(packed.tobytes())
        self._sync()
        stored = self._stored.get
        values = np.array([stored(k, np.nan) for k in keys], dtype=float)
        found = ~np.isnan(values)  # stored values are never NaN (store rejects them)
        n_found = int(found.sum())
        self.hits += n_found
        self.misses += found.size - n_found
        return values, found

    def store(self, masks: np.ndarray, values: np.ndarray) -> None:
        """Write a batch of values in one committed transaction.

        Raises:
            ValueError: If ``masks`` is not ``(m, n_players)``, ``values`` not ``(m,)``, or a
                value is not finite.
            CacheWriteError: If the write fails (disk full, I/O error...); it carries the batch.
        """
        packed = self._packed(masks)
        values = np.asarray(values, dtype="<f8")
        if values.shape != (len(packed),):
            msg = f"values must have shape ({len(packed)},), got {values.shape}."
            raise ValueError(msg)
        if not np.isfinite(values).all():
            msg = "values must be finite; a NaN or infinity is never cached."
            raise ValueError(msg)
        self._store_packed(packed, values)

    def _store_packed(self, packed: np.ndarray, values: np.ndarray) -> None:
        """:meth:`store` of bit-packed masks and checked finite float64 values."""
        size = len(values)
        if size == 0:
            return
        masks_blob, values_blob = packed.tobytes(), values.astype("<f8", copy=False).tobytes()
        checksum = _checksum(self.game_id, size, masks_blob, values_blob)
        try:
            with self._conn:
                self._conn.execute("BEGIN")
                self._conn.execute(
                    'INSERT INTO batches (game_id, size, masks, "values", checksum) '
                    "VALUES (?, ?, ?, ?, ?)",
                    (self.game_id, size, masks_blob, values_blob, checksum),
                )
        except sqlite3.Error as exc:
            msg = f"could not write {size} values to the query cache {self.path}: {exc}"
            masks = np.unpackbits(packed, axis=1, count=self.n_players).astype(bool)
            raise CacheWriteError(msg, masks, values) from exc
        self._sync()

    def __len__(self) -> int:
        self._sync()
        return len(self._stored)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __repr__(self) -> str:
        return f"QueryCache({str(self.path)!r}, game_id={self.game_id!r}, n={self.n_players})"
