"""Redis key layout: the contract between the stream (writer) and the dashboard (reader).

Everything lives under one prefix so that tests and deployments can share a
Redis without touching each other. Aggregates are per brand and tumbling
window; a window is named by its length (``1m``, ``1h``) and identified by its
start as epoch seconds.

Counter fields of an aggregate hash (all integers except ``score_sum``):
``volume``; ``pol:<polarity>``; ``emo:<group>``; ``asp:<aspect>:<polarity>``;
``decided:<student|teacher|fallback>``; ``flag:<flag>``; ``escalated``;
``deferred``; ``score_sum`` (float, sum of verdict scores).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

_WINDOW = re.compile(r"^(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def window_seconds(window: str) -> int:
    match = _WINDOW.match(window)
    if not match:
        raise ValueError(f"window must look like 30s, 1m, 1h or 1d, got {window!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def window_start(epoch_seconds: float, window: str) -> int:
    size = window_seconds(window)
    return int(epoch_seconds // size * size)


def window_start_of(moment: datetime, window: str) -> int:
    """Start of the window holding ``moment``; a time without a zone is UTC, as for posts."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return window_start(aware.timestamp(), window)


def retention_seconds(window: str, windows_kept: int) -> int:
    """Keys of a window live for ``windows_kept`` windows (``SENTIMON_RETENTION_WINDOWS``)."""
    return window_seconds(window) * windows_kept


def longest_retention(windows: Iterable[str], windows_kept: int) -> int:
    """How long brand-level keys (brand set, recent list, alerts) live: as long as the longest window's."""
    return max(retention_seconds(window, windows_kept) for window in windows)


# The brand a verdict without any brand is counted under, so that it still shows in totals.
NO_BRAND = "(none)"


def brands_of(brands: Sequence[str]) -> tuple[str, ...]:
    """The brands a post counts under, each once: its own, or :data:`NO_BRAND` when it names none."""
    return tuple(dict.fromkeys(brands)) or (NO_BRAND,)


# Field names of an aggregate hash; the writer and the reader both build them here.
VOLUME = "volume"
SCORE_SUM = "score_sum"
ESCALATED = "escalated"
DEFERRED = "deferred"


def pol_field(polarity: str) -> str:
    return f"pol:{polarity}"


def emo_field(group: str) -> str:
    return f"emo:{group}"


def asp_field(aspect: str, polarity: str) -> str:
    return f"asp:{aspect}:{polarity}"


def decided_field(decided_by: str) -> str:
    return f"decided:{decided_by}"


def flag_field(flag: str) -> str:
    return f"flag:{flag}"


@dataclass(frozen=True)
class Keys:
    prefix: str = "sentimon"

    def _k(self, *parts: object) -> str:
        return ":".join((self.prefix, *(str(p) for p in parts)))

    # --- aggregates (written by stream.aggregates, read by the dashboard) --------------
    @property
    def brands(self) -> str:
        """Set of every brand seen."""
        return self._k("brands")

    def agg(self, window: str, brand: str, start: int) -> str:
        """Hash of counters for one brand and window."""
        return self._k("agg", window, brand, start)

    def agg_index(self, window: str, brand: str) -> str:
        """Sorted set of window starts that have an ``agg`` hash (score = start)."""
        return self._k("aggidx", window, brand)

    def agg_seen(self, window: str, brand: str, start: int) -> str:
        """Set of post ids already counted in this window: makes counting idempotent."""
        return self._k("aggseen", window, brand, start)

    def aggregate_patterns(self) -> list[str]:
        """Glob patterns of every aggregate key: what a rebuild wipes (alerts stay: they are history)."""
        prefix = re.sub(r"([*?\[\]\\])", r"\\\1", self.prefix)
        return [f"{prefix}:{kind}:*" for kind in ("agg", "aggidx", "aggseen", "recent")] + [f"{prefix}:brands"]

    def recent(self, brand: str) -> str:
        """Capped list of recent verdict JSON, newest first."""
        return self._k("recent", brand)

    @property
    def alerts(self) -> str:
        """Sorted set of alert JSON, score = alert time (epoch seconds)."""
        return self._k("alerts")

    def alerted(self, window: str, brand: str, start: int, kind: str) -> str:
        """Marker so that one window raises one alert of a kind."""
        return self._k("alerted", window, brand, start, kind)

    def alert_open(self, window: str, brand: str, kind: str) -> str:
        """JSON {id, last}: the brand's open alert of this window length and kind, and its last high window."""
        return self._k("alertopen", window, brand, kind)

    @property
    def alerts_resolved(self) -> str:
        """Hash alert id -> start (ISO 8601) of the window that came back within the baseline band."""
        return self._k("alerts", "resolved")

    @property
    def alert_acks(self) -> str:
        """Hash alert id -> JSON {by, at}: who acknowledged the alert on the dashboard, and when."""
        return self._k("alerts", "acks")

    @property
    def alert_summaries(self) -> str:
        """Hash alert id -> the LLM's one-paragraph summary, written after the alert."""
        return self._k("alerts", "summaries")

    def alert_summary_budget(self, hour: int) -> str:
        """Counter of LLM summaries asked for in one hour bucket."""
        return self._k("alerts", "summarybudget", hour)

    def mute(self, brand: str) -> str:
        """JSON {by, until}: the brand's alerts are not delivered while this key lives."""
        return self._k("mute", brand)

    def delivery(self, alert_id: str, target: str) -> str:
        """Claim of one alert's delivery to one webhook: the worker that sets it (NX) sends it."""
        return self._k("delivery", target, alert_id)

    # --- system stats --------------------------------------------------------------------
    @property
    def stats_workers(self) -> str:
        """Hash worker-id -> JSON {processed, posts_per_sec, lag, model_version, at}."""
        return self._k("stats", "workers")

    def stats_teacher(self, backend: str) -> str:
        """Hash of teacher accounting: calls, errors, tokens, seconds, cost, agree, compared."""
        return self._k("stats", "teacher", backend)

    @property
    def teacher_backends(self) -> str:
        """Set of teacher backend names that have stats."""
        return self._k("stats", "teachers")

    @property
    def models(self) -> str:
        """Hash version -> manifest JSON of every registered student."""
        return self._k("models")

    @property
    def rounds(self) -> str:
        """Capped list of re-distillation round JSON (``RoundRecord``), newest first."""
        return self._k("rounds")

    @property
    def model_current(self) -> str:
        """String: the version currently promoted."""
        return self._k("model", "current")

    # --- stream state ----------------------------------------------------------------------
    def post_text(self, post_id: str) -> str:
        """A post's text, kept as thread context for its replies."""
        return self._k("post", post_id)

    @property
    def deferred(self) -> str:
        """Sorted set of deferred post ids, score = deadline (epoch seconds)."""
        return self._k("deferred")

    @property
    def deferred_data(self) -> str:
        """Hash post id -> deferred escalation state JSON."""
        return self._k("deferred", "data")

    def waiting_for(self, parent_id: str) -> str:
        """Set of deferred reply ids waiting for this parent."""
        return self._k("waiting", parent_id)

    def verdict_done(self, post_id: str) -> str:
        """Marker set once a post's final verdict is published: skips redelivered posts."""
        return self._k("done", post_id)

    def budget(self, unit: str, bucket: int) -> str:
        """Counter of escalations in one second or minute bucket."""
        return self._k("budget", unit, bucket)

    # --- audits, live accuracy and steering (stream.quality_store) -------------------------
    @property
    def audits(self) -> str:
        """Sorted set of post ids with a student/teacher answer pair, score = teacher answer time."""
        return self._k("quality", "audits")

    @property
    def audit_data(self) -> str:
        """Hash post id -> answer pair JSON; a post's pair is written once (a repeat is ignored)."""
        return self._k("quality", "audit", "data")

    def route_tally(self, minute: int) -> str:
        """Hash of final verdicts by decider in one minute: ``accepted``, ``teacher``, ``low``, ``<x>|<brand>``."""
        return self._k("quality", "tally", minute)

    @property
    def recent_probs(self) -> str:
        """Capped list of recent served probabilities, ``version,p_neg,p_neu,p_pos``, newest first."""
        return self._k("quality", "recent")

    @property
    def routing_plan(self) -> str:
        """String: the routing plan JSON every worker routes by (threshold, audit shares, calibration)."""
        return self._k("quality", "plan")

    @property
    def quality_report(self) -> str:
        """String: the latest live accuracy report JSON."""
        return self._k("quality", "report")

    @property
    def quality_history(self) -> str:
        """Sorted set of compact report JSON (estimate, interval, call share, model, plan), score = time."""
        return self._k("quality", "history")

    @property
    def quality_lock(self) -> str:
        """Lease held by the one worker refreshing the plan and the report this period."""
        return self._k("quality", "lock")

    @property
    def calibration_version(self) -> str:
        """Counter: each live calibration fitted gets the next number."""
        return self._k("quality", "calibration", "version")
