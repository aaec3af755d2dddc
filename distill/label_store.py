"""The trainer's memory: every teacher answer, one row per post, and every re-distillation round.

SQLite in WAL mode, because the trainer writes labels from its event loop while a round reads
them from a worker thread, and WAL lets readers and one writer proceed without blocking each
other. Each call opens its own short-lived connection, so the store is safe to share between
threads without a lock of its own.

Labels are deduplicated by post id: a redelivered message (same answer, same time) changes
nothing, while a later answer for the same post replaces the earlier one and counts as new again.
Every stored change takes the next ``seq`` number, so "new since the last round" is simply
``seq`` greater than what the last round consumed.

A fixed share of posts is held out for the promotion gate, chosen by a hash of the post id
rather than at random, so a post stays on the same side across rounds, restarts and machines,
and a held-out label can never leak into a later round's training set. Audit labels (the teacher
asked about a post the student had accepted, to measure it) are held out until a round has used
them: they are the one unbiased sample of what the student decides alone, so the next gate judges
candidate and current on them. Once a round has consumed them (its gate saw them) those on the
training side of the hash train later rounds: at a small budget they are a quarter of all teacher
labels, and the only ones drawn at random from what the student accepts. This keeps both judges
honest: the live estimate only uses audits of the serving model, which was trained before they
were asked; a gate only uses audits newer than the last round, which no candidate has trained on.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sentimon.records import TeacherLabel

RoundOutcome = Literal["promoted", "refused", "skipped", "failed"]
# Outcomes after which a round's labels count as used: a refused round saw them too, and
# retraining on exactly the same labels would only be refused again.
CONSUMING: tuple[RoundOutcome, ...] = ("promoted", "refused")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    post_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    bucket REAL NOT NULL,
    teacher TEXT NOT NULL,
    student_version TEXT NOT NULL,
    at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS labels_seq ON labels (seq);
CREATE INDEX IF NOT EXISTS labels_bucket ON labels (bucket);
CREATE TABLE IF NOT EXISTS rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    upto_seq INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    current_version TEXT,
    candidate_version TEXT,
    new_labels INTEGER NOT NULL,
    train_examples INTEGER NOT NULL,
    metrics TEXT NOT NULL
);
"""

# Insert a label, or replace the stored one only when this answer is strictly newer: a
# redelivery of the same answer is a no-op and does not make the label "new" again.
_UPSERT = """
INSERT INTO labels (post_id, seq, bucket, teacher, student_version, at, record)
VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM labels), ?, ?, ?, ?, ?)
ON CONFLICT (post_id) DO UPDATE SET
    seq = excluded.seq,
    teacher = excluded.teacher,
    student_version = excluded.student_version,
    at = excluded.at,
    record = excluded.record
WHERE excluded.at > labels.at
"""


# The two sides of the store, as SQL conditions on the held-out fraction and the last consumed
# ``seq`` (two parameters each, in that order). ``audit`` lives in the stored record; a record from
# before audits existed reads as 0. An audit trains once a round has consumed it.
_AUDIT = "COALESCE(json_extract(record, '$.audit'), 0)"
_TRAINING_SIDE = f"bucket >= ? AND ({_AUDIT} = 0 OR seq <= ?)"
_HELD_OUT_SIDE = f"(bucket < ? OR ({_AUDIT} != 0 AND seq > ?))"


def holdout_bucket(post_id: str) -> float:
    """Where a post falls in [0, 1): posts below ``holdout_fraction`` are held out."""
    return int(hashlib.sha256(post_id.encode()).hexdigest()[:8], 16) / 0x100000000


def _iso(moment: datetime) -> str:
    """Sortable UTC text, so that SQL comparisons order times correctly."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class StoredLabel:
    seq: int
    label: TeacherLabel


@dataclass(frozen=True, slots=True)
class Round:
    """One re-distillation round as recorded: what it used, what it decided and why."""

    id: int
    started_at: datetime
    finished_at: datetime
    upto_seq: int
    outcome: RoundOutcome
    reason: str
    current_version: str | None
    candidate_version: str | None
    new_labels: int
    train_examples: int
    metrics: dict[str, float]


class LabelStore:
    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One connection per call, committed on success and closed either way."""
        db = sqlite3.connect(self.path, timeout=self._timeout)
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            with db:
                yield db
        finally:
            db.close()

    # --- labels ------------------------------------------------------------------------------
    def add(self, labels: Iterable[TeacherLabel]) -> int:
        """Store labels (upsert by post id, the latest answer wins); returns how many changed."""
        changed = 0
        with self._connect() as db:
            for label in labels:
                cursor = db.execute(
                    _UPSERT,
                    (
                        label.post_id,
                        holdout_bucket(label.post_id),
                        label.teacher,
                        label.student_version,
                        _iso(label.at),
                        label.model_dump_json(),
                    ),
                )
                changed += cursor.rowcount
        return changed

    def get(self, post_id: str) -> StoredLabel | None:
        with self._connect() as db:
            row = db.execute("SELECT seq, record FROM labels WHERE post_id = ?", (post_id,)).fetchone()
        return _stored(row) if row else None

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM labels").fetchone()[0])

    def latest_seq(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM labels").fetchone()[0])

    def consumed_seq(self) -> int:
        """The newest label ``seq`` a finished round trained on (0 before any round)."""
        with self._connect() as db:
            row = db.execute(
                f"SELECT COALESCE(MAX(upto_seq), 0) FROM rounds WHERE outcome IN ({_marks(CONSUMING)})",
                CONSUMING,
            ).fetchone()
        return int(row[0])

    def new_labels(self, holdout_fraction: float, upto_seq: int | None = None) -> list[StoredLabel]:
        """Training-side labels stored or changed since the last round that used labels (no audit yet)."""
        consumed = self.consumed_seq()
        return self._select(
            f"seq > ? AND seq <= ? AND {_TRAINING_SIDE}", (consumed, _upto(upto_seq), holdout_fraction, consumed)
        )

    def count_new(self, holdout_fraction: float) -> int:
        """How many new training-side labels the next round would get (held-out ones and new audits do not count)."""
        consumed = self.consumed_seq()
        with self._connect() as db:
            row = db.execute(
                f"SELECT COUNT(*) FROM labels WHERE seq > ? AND {_TRAINING_SIDE}",
                (consumed, holdout_fraction, consumed),
            ).fetchone()
        return int(row[0])

    def training(self, holdout_fraction: float, upto_seq: int | None = None) -> list[StoredLabel]:
        """Every training-side label so far, oldest first: a round learns from all of them, not only the new.

        Audits a round has consumed are among them (those on the training side of the hash).
        """
        args = (_upto(upto_seq), holdout_fraction, self.consumed_seq())
        return self._select(f"seq <= ? AND {_TRAINING_SIDE}", args)

    def holdout(self, holdout_fraction: float, upto_seq: int | None = None) -> list[StoredLabel]:
        """The held-out side: every held-out label so far and the audits no round has consumed yet.

        No candidate has trained on any of them, so the gate judges on them; the held-out labels grow
        with the stream, so the gate's verdict gets surer round after round.
        """
        args = (_upto(upto_seq), holdout_fraction, self.consumed_seq())
        return self._select(f"seq <= ? AND {_HELD_OUT_SIDE}", args)

    def _select(self, where: str, args: Sequence[object]) -> list[StoredLabel]:
        with self._connect() as db:
            rows = db.execute(f"SELECT seq, record FROM labels WHERE {where} ORDER BY seq", tuple(args)).fetchall()
        return [_stored(row) for row in rows]

    # --- rounds ------------------------------------------------------------------------------
    def record_round(
        self,
        *,
        started_at: datetime,
        upto_seq: int,
        outcome: RoundOutcome,
        reason: str,
        current_version: str | None,
        candidate_version: str | None = None,
        new_labels: int = 0,
        train_examples: int = 0,
        metrics: dict[str, float] | None = None,
    ) -> Round:
        finished_at = datetime.now(UTC)
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO rounds (started_at, finished_at, upto_seq, outcome, reason, current_version,"
                " candidate_version, new_labels, train_examples, metrics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _iso(started_at),
                    _iso(finished_at),
                    upto_seq,
                    outcome,
                    reason,
                    current_version,
                    candidate_version,
                    new_labels,
                    train_examples,
                    json.dumps(metrics or {}, sort_keys=True),
                ),
            )
            round_id = int(cursor.lastrowid or 0)
        return Round(
            round_id,
            started_at,
            finished_at,
            upto_seq,
            outcome,
            reason,
            current_version,
            candidate_version,
            new_labels,
            train_examples,
            dict(metrics or {}),
        )

    def rounds(self, limit: int | None = None) -> list[Round]:
        """Recorded rounds, newest first."""
        query = "SELECT * FROM rounds ORDER BY id DESC" + (" LIMIT ?" if limit is not None else "")
        with self._connect() as db:
            rows = db.execute(query, (limit,) if limit is not None else ()).fetchall()
        return [_round(row) for row in rows]

    def last_round(self) -> Round | None:
        found = self.rounds(limit=1)
        return found[0] if found else None


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _upto(upto_seq: int | None) -> int:
    """No bound given means everything stored so far (SQLite integers are 64-bit)."""
    return upto_seq if upto_seq is not None else 2**63 - 1


def _stored(row: tuple[int, str]) -> StoredLabel:
    return StoredLabel(int(row[0]), TeacherLabel.model_validate_json(row[1]))


def _round(row: tuple[object, ...]) -> Round:
    (round_id, started, finished, upto, outcome, reason, current, candidate, new, train, metrics) = row
    return Round(
        id=int(round_id),  # type: ignore[call-overload]
        started_at=datetime.fromisoformat(str(started)),
        finished_at=datetime.fromisoformat(str(finished)),
        upto_seq=int(upto),  # type: ignore[call-overload]
        outcome=outcome,  # type: ignore[arg-type]
        reason=str(reason),
        current_version=current if isinstance(current, str) else None,
        candidate_version=candidate if isinstance(candidate, str) else None,
        new_labels=int(new),  # type: ignore[call-overload]
        train_examples=int(train),  # type: ignore[call-overload]
        metrics={k: float(v) for k, v in json.loads(str(metrics)).items()},
    )
