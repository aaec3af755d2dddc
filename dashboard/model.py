"""What the dashboard shows, as plain data: no Redis, no Streamlit.

Keeping the numbers apart from both the reader and the widgets means the
charts, the tables, the CSV export and the tests all derive their figures from
one object, so they cannot disagree with each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import get_args

from sentimon.labels import EMOTION_GROUPS, POLARITIES, emotion_groups
from sentimon.records import Alert, DecidedBy, Flag, RoundRecord, Verdict
from sentimon.redis_layout import (
    DEFERRED,
    ESCALATED,
    SCORE_SUM,
    VOLUME,
    asp_field,
    decided_field,
    emo_field,
    flag_field,
    pol_field,
    retention_seconds,
    window_seconds,
)

DECIDERS: tuple[str, ...] = get_args(DecidedBy)
FLAGS: tuple[str, ...] = get_args(Flag)
EMOTIONS: tuple[str, ...] = tuple(EMOTION_GROUPS)

# The operator picks a span; the window follows from it so a chart never has thousands of bars.
TIME_RANGES: dict[str, int] = {
    "Last 15 min": 15 * 60,
    "Last 1 h": 3600,
    "Last 6 h": 6 * 3600,
    "Last 24 h": 24 * 3600,
    "Last 7 d": 7 * 24 * 3600,
}
DEFAULT_RANGE = "Last 1 h"
AROUND_NEWEST = "Around the newest data"
CUSTOM = "Custom from–to"
RANGE_CHOICES: tuple[str, ...] = (*TIME_RANGES, AROUND_NEWEST, CUSTOM)
AROUND_NEWEST_SECONDS = 24 * 3600
MAX_POINTS = 400


@dataclass(frozen=True)
class Period:
    """The time range in view, [since, until], in event time: what the posts say, not when they arrived."""

    since: datetime
    until: datetime

    @property
    def span_seconds(self) -> int:
        return max(1, int((self.until - self.since).total_seconds()))

    def previous(self) -> Period:
        """The period of the same length just before: what "change" is measured against."""
        return Period(self.since - (self.until - self.since), self.since)


def choose_window(span_seconds: int, windows: Iterable[str], windows_kept: int) -> str:
    """Finest kept window that both covers the span and keeps the chart readable."""
    ordered = sorted(windows, key=window_seconds)
    if not ordered:
        raise ValueError("no aggregate windows are configured")
    for window in ordered:
        if (
            span_seconds / window_seconds(window) <= MAX_POINTS
            and retention_seconds(window, windows_kept) >= span_seconds
        ):
            return window
    return ordered[-1]


def _int(value: str | None) -> int:
    return int(float(value)) if value else 0


@dataclass
class Counts:
    """One aggregate hash, or the sum of several: the unit every figure is computed from."""

    volume: int = 0
    score_sum: float = 0.0
    escalated: int = 0
    deferred: int = 0
    polarity: Counter[str] = field(default_factory=Counter)
    emotion: Counter[str] = field(default_factory=Counter)
    aspect: Counter[tuple[str, str]] = field(default_factory=Counter)
    decided: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_hash(cls, fields: Mapping[str, str], aspects: Iterable[str]) -> Counts:
        """Reads the fields through the layout's own name builders, so the format lives in one place."""
        return cls(
            volume=_int(fields.get(VOLUME)),
            score_sum=float(fields.get(SCORE_SUM) or 0.0),
            escalated=_int(fields.get(ESCALATED)),
            deferred=_int(fields.get(DEFERRED)),
            polarity=Counter({p: _int(fields.get(pol_field(p))) for p in POLARITIES}),
            emotion=Counter({g: _int(fields.get(emo_field(g))) for g in EMOTIONS}),
            aspect=Counter({(a, p): _int(fields.get(asp_field(a, p))) for a in aspects for p in POLARITIES}),
            decided=Counter({d: _int(fields.get(decided_field(d))) for d in DECIDERS}),
            flags=Counter({f: _int(fields.get(flag_field(f))) for f in FLAGS}),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            volume=self.volume + other.volume,
            score_sum=self.score_sum + other.score_sum,
            escalated=self.escalated + other.escalated,
            deferred=self.deferred + other.deferred,
            polarity=self.polarity + other.polarity,
            emotion=self.emotion + other.emotion,
            aspect=self.aspect + other.aspect,
            decided=self.decided + other.decided,
            flags=self.flags + other.flags,
        )

    def share(self, count: int) -> float | None:
        """Share of volume; None rather than 0 when there is nothing to divide, so gaps stay gaps."""
        return count / self.volume if self.volume else None

    @property
    def net_sentiment(self) -> float | None:
        return self.score_sum / self.volume if self.volume else None


def total(counts: Iterable[Counts]) -> Counts:
    return sum(counts, Counts())


@dataclass(frozen=True)
class Point:
    start: datetime
    counts: Counts


@dataclass(frozen=True)
class Series:
    """One brand's windows over the view's span, zero-filled so that a quiet minute shows as zero."""

    brand: str
    window: str
    points: list[Point]

    @cached_property
    def total(self) -> Counts:
        """Computed once: every chart and table asks for it, on every refresh."""
        return total(p.counts for p in self.points)


@dataclass(frozen=True)
class Acknowledgement:
    by: str
    at: datetime


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    posts: list[Verdict | str]
    """Verdicts behind the alert when still kept, else the bare post text or id."""
    resolved: str | None = None
    """Start of the window that came back within the baseline band (or "stale"); None while open."""
    ack: Acknowledgement | None = None
    summary: str | None = None

    @property
    def ident(self) -> str:
        return self.alert.ident

    @property
    def status(self) -> str:
        if self.alert.backfill:
            return "backfill"
        state = "open" if self.resolved is None else "resolved"
        return f"{state}, acknowledged" if self.ack else state

    @property
    def title(self) -> str:
        a = self.alert
        what = "negative share" if a.kind == "negative_share" else "volume"
        return f"{a.window_start:%Y-%m-%d %H:%M} UTC · {a.brand} · {what} spike, z={a.z:.1f} · {self.status}"


@dataclass(frozen=True)
class Worker:
    """A stream process's last report; ``role`` is "worker" (scores posts) or "teacher" (labels escalations)."""

    name: str
    role: str
    processed: int
    posts_per_sec: float
    lag: int
    model_version: str
    at: datetime | None
    backlog: int = 0
    """Messages waiting on this worker's partitions: end offset − committed (see stream/backlog.py)."""
    backlog_seconds: float | None = None
    """Time that backlog needs at the worker's current rate; None while the rate is zero."""

    def live(self, now: datetime, within_seconds: float) -> bool:
        return self.at is not None and (now - self.at).total_seconds() <= within_seconds


@dataclass(frozen=True)
class TeacherStats:
    backend: str
    calls: int
    errors: int
    tokens: int
    seconds: float
    cost: float
    agree: int
    compared: int

    @classmethod
    def from_hash(cls, backend: str, fields: Mapping[str, str]) -> TeacherStats:
        return cls(
            backend=backend,
            calls=_int(fields.get("calls")),
            errors=_int(fields.get("errors")),
            tokens=_int(fields.get("tokens")),
            seconds=float(fields.get("seconds") or 0.0),
            cost=float(fields.get("cost") or 0.0),
            agree=_int(fields.get("agree")),
            compared=_int(fields.get("compared")),
        )


@dataclass(frozen=True)
class ModelEntry:
    version: str
    parent_version: str | None
    created_at: str | None
    temperature: float | None
    metrics: dict[str, float]


@dataclass(frozen=True)
class System:
    workers: list[Worker]
    teachers: list[TeacherStats]
    models: list[ModelEntry]
    current_model: str | None
    rounds: list[RoundRecord] = field(default_factory=list)
    """Re-distillation rounds, newest first."""


@dataclass(frozen=True)
class Snapshot:
    """Everything one refresh of the page shows, read in one pass."""

    now: datetime
    period: Period
    window: str
    brands: list[str]
    series: list[Series]
    previous: list[Series]
    """The same brands over the period of the same length just before: the comparison's baseline."""
    alerts: list[AlertView]
    posts: list[Verdict]
    system: System
    skipped: int
    """Entries in Redis that could not be parsed; shown, never hidden."""
    muted: dict[str, Mute] = field(default_factory=dict)

    @property
    def since(self) -> datetime:
        return self.period.since

    @cached_property
    def total(self) -> Counts:
        return total(s.total for s in self.series)


@dataclass(frozen=True)
class Mute:
    by: str
    until: datetime


@dataclass(frozen=True)
class PeriodChange:
    """One brand in this period against the previous one of the same length."""

    brand: str
    now: Counts
    before: Counts
    voice: float | None
    """Share of voice: the brand's share of all posts of the brands in view."""
    voice_before: float | None


def period_changes(series: Iterable[Series], previous: Iterable[Series]) -> list[PeriodChange]:
    """Share of voice and its change, per brand, from the two periods' totals."""
    now = {s.brand: s.total for s in series}
    before = {s.brand: s.total for s in previous}
    all_now = sum(c.volume for c in now.values())
    all_before = sum(c.volume for c in before.values())
    return [
        PeriodChange(
            brand,
            counts,
            before.get(brand, Counts()),
            counts.volume / all_now if all_now else None,
            before.get(brand, Counts()).volume / all_before if all_before else None,
        )
        for brand, counts in now.items()
    ]


def parse_time(value: object) -> datetime | None:
    """Writers may stamp epoch seconds or ISO 8601; both read as aware UTC."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


@dataclass(frozen=True)
class PostFilter:
    """The recent-posts filters; an empty choice means no filter on that field."""

    polarities: frozenset[str] = frozenset()
    emotions: frozenset[str] = frozenset()
    aspects: frozenset[str] = frozenset()
    deciders: frozenset[str] = frozenset()

    def matches(self, verdict: Verdict) -> bool:
        return (
            (not self.polarities or verdict.polarity in self.polarities)
            and (not self.emotions or not self.emotions.isdisjoint(emotion_groups(verdict.emotions)))
            and (not self.aspects or any(a.aspect in self.aspects for a in verdict.aspects))
            and (not self.deciders or verdict.decided_by in self.deciders)
        )
