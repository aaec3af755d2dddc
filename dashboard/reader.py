"""Every Redis read of the dashboard, and nothing else (the operator's few writes are in ``actions``).

A page refresh costs a handful of round trips (pipelines per kind of key), so
a refresh every two seconds stays cheap even with several operators watching.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import redis
import streamlit as st
from pydantic import ValidationError
from redis.backoff import NoBackoff
from redis.retry import Retry

from dashboard.model import (
    Acknowledgement,
    AlertView,
    Counts,
    ModelEntry,
    Mute,
    Period,
    Point,
    Series,
    Snapshot,
    System,
    TeacherStats,
    Worker,
    parse_time,
)
from sentimon.records import Alert, RoundRecord, Verdict
from sentimon.redis_layout import Keys, window_seconds, window_start
from sentimon.settings import Settings

# Data errors a single bad entry may raise; it is skipped and counted, the page still renders.
_BAD_ENTRY = (ValueError, TypeError, KeyError, ValidationError)
# Newest re-distillation rounds shown; the trainer keeps a few more in Redis, the label store all.
ROUNDS_SHOWN = 20


@st.cache_resource(show_spinner=False)
def client_for(url: str) -> redis.Redis:
    """One pooled client per URL for the whole server; keyed by URL so tests pointing elsewhere get their own."""
    # One quick retry covers a pooled connection dropped by a Redis restart; more would only make
    # the page hang while Redis is down, and the next refresh retries anyway.
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=1.0,
        socket_timeout=2.0,
        health_check_interval=10,
        retry=Retry(NoBackoff(), 1),
    )


def redacted(url: str) -> str:
    """The URL without its password, for messages an operator may screenshot."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _aligned(moment: datetime, window: str) -> datetime:
    """The start of the window holding ``moment``: series are read window by window from there."""
    return datetime.fromtimestamp(window_start(moment.timestamp(), window), UTC)


class Reader:
    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self.client = client
        self.keys = Keys(settings.redis_prefix)
        self.settings = settings
        self.skipped = 0
        """Entries that could not be parsed so far; the page says how many instead of failing."""

    def brands(self) -> list[str]:
        return sorted(self.client.smembers(self.keys.brands))

    def snapshot(self, brands: Sequence[str], period: Period, window: str, now: datetime) -> Snapshot:
        """Reads the view of ``brands`` over ``period``, its start aligned to a ``window`` boundary."""
        since = _aligned(period.since, window)
        period = Period(since, period.until)
        before = period.previous()
        recent = self._recent(brands)
        series = self._series(brands, window, since, period.until)
        # The previous period ends one second before this one starts: a window belongs to one period only.
        previous = self._series(brands, window, _aligned(before.since, window), before.until - timedelta(seconds=1))
        alerts = self._alerts(brands, period, recent)
        posts = sorted(
            (v for v in recent.values() if since <= v.created_at <= period.until),
            key=lambda v: v.created_at,
            reverse=True,
        )
        system = self.system()
        return Snapshot(
            now, period, window, list(brands), series, previous, alerts, posts, system, self.skipped, self.mutes(brands)
        )

    def mutes(self, brands: Sequence[str]) -> dict[str, Mute]:
        """Brands whose alerts are muted now, with who muted them and until when."""
        found: dict[str, Mute] = {}
        for brand, raw in zip(
            brands, self.client.mget([self.keys.mute(b) for b in brands]) if brands else [], strict=True
        ):
            if raw is None:
                continue
            try:
                doc = json.loads(raw)
                found[brand] = Mute(str(doc["by"]), datetime.fromisoformat(doc["until"]))
            except (*_BAD_ENTRY, AttributeError):
                self.skipped += 1
        return found

    def _series(self, brands: Sequence[str], window: str, since: datetime, until: datetime) -> list[Series]:
        lo, hi = since.timestamp(), until.timestamp()
        pipe = self.client.pipeline(transaction=False)
        for brand in brands:
            pipe.zrangebyscore(self.keys.agg_index(window, brand), lo, hi, withscores=True)
        indexed = pipe.execute()
        pipe = self.client.pipeline(transaction=False)
        wanted = [(brand, int(s)) for brand, starts in zip(brands, indexed, strict=True) for _, s in starts]
        for brand, start in wanted:
            pipe.hgetall(self.keys.agg(window, brand, start))
        hashes = dict(zip(wanted, pipe.execute(), strict=True))
        size = window_seconds(window)
        starts = range(int(lo), int(hi) + 1, size)
        return [
            Series(
                brand,
                window,
                [
                    Point(
                        datetime.fromtimestamp(start, UTC),
                        Counts.from_hash(hashes.get((brand, start), {}), self.settings.aspects),
                    )
                    for start in starts
                ],
            )
            for brand in brands
        ]

    def _recent(self, brands: Sequence[str]) -> dict[str, Verdict]:
        """Recent verdicts of the brands, by post id: a post naming two brands is listed once."""
        pipe = self.client.pipeline(transaction=False)
        for brand in brands:
            pipe.lrange(self.keys.recent(brand), 0, self.settings.recent_posts - 1)
        verdicts: dict[str, Verdict] = {}
        for raw in (item for items in pipe.execute() for item in items):
            try:
                verdict = Verdict.model_validate_json(raw)
            except _BAD_ENTRY:
                self.skipped += 1
                continue
            verdicts.setdefault(verdict.post_id, verdict)
        return verdicts

    def _alerts(self, brands: Sequence[str], period: Period, recent: dict[str, Verdict]) -> list[AlertView]:
        """Alerts of the brands whose window starts in the period (alerts are scored by event time)."""
        alerts: list[Alert] = []
        for raw in self.client.zrevrangebyscore(self.keys.alerts, period.until.timestamp(), period.since.timestamp()):
            try:
                alert = Alert.model_validate_json(raw)
            except _BAD_ENTRY:
                self.skipped += 1
                continue
            if alert.brand in brands:
                alerts.append(alert)
        missing = list(dict.fromkeys(pid for a in alerts for pid in a.post_ids if pid not in recent))
        texts = (
            dict(zip(missing, self.client.mget([self.keys.post_text(p) for p in missing]), strict=True))
            if missing
            else {}
        )
        if not alerts:
            return []
        idents = [a.ident for a in alerts]
        pipe = self.client.pipeline(transaction=False)
        for key in (self.keys.alerts_resolved, self.keys.alert_acks, self.keys.alert_summaries):
            pipe.hmget(key, idents)
        resolved, acks, summaries = pipe.execute()
        return [
            AlertView(
                a,
                [recent.get(pid) or texts.get(pid) or pid for pid in a.post_ids],
                resolved=resolved[i],
                ack=self._ack(acks[i]),
                summary=summaries[i],
            )
            for i, a in enumerate(alerts)
        ]

    def _ack(self, raw: str | None) -> Acknowledgement | None:
        if raw is None:
            return None
        try:
            doc = json.loads(raw)
            return Acknowledgement(str(doc["by"]), datetime.fromisoformat(doc["at"]))
        except (*_BAD_ENTRY, AttributeError):
            self.skipped += 1
            return None

    def system(self) -> System:
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self.keys.stats_workers)
        pipe.smembers(self.keys.teacher_backends)
        pipe.hgetall(self.keys.models)
        pipe.get(self.keys.model_current)
        pipe.lrange(self.keys.rounds, 0, ROUNDS_SHOWN - 1)
        workers_raw, backends, models_raw, current, rounds_raw = pipe.execute()
        backends = sorted(backends)
        pipe = self.client.pipeline(transaction=False)
        for backend in backends:
            pipe.hgetall(self.keys.stats_teacher(backend))
        teachers = [TeacherStats.from_hash(b, h) for b, h in zip(backends, pipe.execute(), strict=True)]
        workers: list[Worker] = []
        for name, raw in sorted(workers_raw.items()):
            try:
                doc = json.loads(raw)
                workers.append(
                    Worker(
                        name=name,
                        role=str(doc.get("role", "worker")),
                        processed=int(doc.get("processed", 0)),
                        posts_per_sec=float(doc.get("posts_per_sec", 0.0)),
                        lag=int(doc.get("lag", 0)),
                        model_version=str(doc.get("model_version", "")),
                        at=parse_time(doc.get("at")),
                        backlog=int(doc.get("backlog", 0)),
                        backlog_seconds=_optional_float(doc.get("backlog_seconds")),
                    )
                )
            except (*_BAD_ENTRY, AttributeError):
                self.skipped += 1
        models: list[ModelEntry] = []
        for version, raw in models_raw.items():
            try:
                doc = json.loads(raw)
                models.append(
                    ModelEntry(
                        version=str(doc.get("version", version)),
                        parent_version=doc.get("parent_version"),
                        created_at=doc.get("created_at"),
                        temperature=doc.get("temperature"),
                        metrics={k: float(v) for k, v in (doc.get("metrics") or {}).items()},
                    )
                )
            except (*_BAD_ENTRY, AttributeError):
                self.skipped += 1
        models.sort(key=lambda m: str(m.created_at or ""), reverse=True)
        rounds: list[RoundRecord] = []
        for raw in rounds_raw:
            try:
                rounds.append(RoundRecord.model_validate_json(raw))
            except ValidationError:
                self.skipped += 1
        return System(workers, teachers, models, current, rounds)

    def latest(self, brands: Sequence[str], window: str, *, end: bool = False) -> datetime | None:
        """Start (or ``end``) of the newest window of any of the brands: where the data is."""
        pipe = self.client.pipeline(transaction=False)
        for brand in brands:
            pipe.zrevrange(self.keys.agg_index(window, brand), 0, 0, withscores=True)
        starts = [score for found in pipe.execute() for _, score in found]
        if not starts:
            return None
        return datetime.fromtimestamp(max(starts) + (window_seconds(window) if end else 0), UTC)


def _optional_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
