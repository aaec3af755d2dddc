"""Spike alerts: a brand's window that stands out against that brand's own recent past.

The rule, checked for every brand×window that just counted new posts:

* **Baseline.** The ``alert_baseline_windows`` windows of the same length just before this one,
  for this brand. Comparing a brand with itself makes one threshold fit a brand with ten posts an
  hour and one with ten thousand.
* **Negative share** (kind ``negative_share``): this window's share of negative posts against the
  shares of the baseline windows that had posts (an empty window has no share). At least
  ``MIN_SHARE_BASELINE`` such windows are needed. z = (share − mean) / max(std,
  √(mean·(1 − mean)/volume), ``alert_share_std_floor``): a share measured on few posts scatters at
  least binomially around the baseline's, so a 20-post window needs a bigger jump than a 2,000-post one.
* **Volume** (kind ``volume``): this window's post count against the baseline counts, where a window
  without posts counts as zero. z = (volume − mean) / max(std, √max(mean, 1)): counts of independent
  posts scatter at least like a Poisson variable, so a flat baseline still has that much noise. Only
  once the brand has been counted for the whole baseline span (its first window is at least
  ``alert_baseline_windows`` windows back): before that the zeros mean "not watched yet", not
  "quiet", and every brand would alert in its first busy window.
* **Fire** when z ≥ ``alert_z`` and the window holds at least ``alert_min_volume`` posts (small
  windows swing too much to mean anything). Only rises alert; a drop in negativity is good news.
* **Once** per brand, window and kind: a marker set together with the stored alert (``alert.lua``),
  so several workers, or the same window growing further, raise it once.
* **Open until calm.** A raised alert stays *open* (one marker per brand, window length and kind)
  while the brand stays high; later high windows raise nothing, so a brand that stays high raises
  one alert, not one per window. It is *resolved* (``resolve.lua``) by the first window, at or after
  its own, with at least the minimum volume whose z is below ``alert_resolve_z``: back within the
  baseline band. An open alert whose brand has had no high window for a whole baseline span is
  stale; the next spike resolves it and opens a new one.
* **Backfill.** An alert on a window that ended more than ``alert_backfill_seconds`` ago (event
  time, against the clock) comes from old posts being replayed: it is marked ``backfill`` so that
  it is shown but never delivered to anyone.

An alert carries the ids of the window's negative posts found in the brand's recent list (the
posts an operator will want to read first) and an explanation (``stream/explain.py``: the terms,
aspects and emotions over-represented against the baseline windows, the teacher's share and the
most typical posts); it is stored in the alerts sorted set (score = window start, event time, so a
replay of the past lands where it happened) and returned so that the worker publishes it to the
alerts topic.

The current window is usually still filling up; it is compared as it stands, so a spike is
reported while it happens, not after the window closes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from statistics import fmean, pstdev
from typing import Literal

import redis.asyncio as aioredis
from pydantic import ValidationError

from sentimon.records import Alert, Verdict, utcnow
from sentimon.redis_layout import (
    VOLUME,
    Keys,
    longest_retention,
    pol_field,
    retention_seconds,
    window_seconds,
    window_start_of,
)
from sentimon.settings import Settings
from stream.explain import explain, field_totals

AlertKind = Literal["negative_share", "volume"]
KINDS: tuple[AlertKind, ...] = ("negative_share", "volume")
MIN_SHARE_BASELINE = 3
NEGATIVE = "negative"

_SCRIPT = resources.files(__package__).joinpath("alert.lua").read_text()
_BASELINE = resources.files(__package__).joinpath("baseline.lua").read_text()
_RESOLVE = resources.files(__package__).joinpath("resolve.lua").read_text()


@dataclass(frozen=True)
class WindowCount:
    """What counting a batch did to one brand×window: the input of the spike check."""

    brand: str
    window: str
    start: int
    counted: int
    """Posts of the batch that were new to this window (0 on a pure redelivery)."""
    volume: int
    negative: int


@dataclass(frozen=True)
class Spike:
    kind: AlertKind
    value: float
    mean: float
    std: float
    z: float


@dataclass(frozen=True)
class OpenAlert:
    """A brand's open alert of one kind, as the open marker holds it (``raw`` for compare-and-delete)."""

    raw: str
    ident: str
    last: int

    @classmethod
    def parse(cls, raw: str | bytes) -> OpenAlert | None:
        text = raw.decode() if isinstance(raw, bytes) else raw
        if not text:
            return None
        doc = json.loads(text)
        return cls(text, str(doc["id"]), int(doc["last"]))


def zscore(value: float, baseline: Sequence[float], std_floor: float) -> tuple[float, float, float]:
    """Mean, floored std and z of ``value`` against ``baseline``."""
    mean = fmean(baseline)
    std = max(pstdev(baseline), std_floor)
    return mean, std, (value - mean) / std


def measure(
    current: WindowCount,
    previous: Sequence[tuple[int, int]],
    full_history: bool,
    settings: Settings,
) -> list[Spike]:
    """Every kind the baseline allows measuring, with its z, spike or not (resolution needs the calm ones)."""
    measured: list[Spike] = []
    shares = [negative / volume for volume, negative in previous if volume > 0]
    if len(shares) >= MIN_SHARE_BASELINE and current.volume > 0:
        share = current.negative / current.volume
        expected = fmean(shares)
        sampling = math.sqrt(expected * (1 - expected) / current.volume)
        mean, std, z = zscore(share, shares, max(sampling, settings.alert_share_std_floor))
        measured.append(Spike("negative_share", share, mean, std, z))
    if full_history and previous:
        volumes = [float(volume) for volume, _ in previous]
        mean, std, z = zscore(current.volume, volumes, math.sqrt(max(fmean(volumes), 1.0)))
        measured.append(Spike("volume", float(current.volume), mean, std, z))
    return measured


def find_spikes(
    current: WindowCount,
    previous: Sequence[tuple[int, int]],
    full_history: bool,
    settings: Settings,
) -> list[Spike]:
    """The rule of the module docstring; ``previous`` is (volume, negatives) of each baseline window."""
    if current.volume < settings.alert_min_volume:
        return []
    return [spike for spike in measure(current, previous, full_history, settings) if spike.z >= settings.alert_z]


def window_verdicts(recent: Iterable[str | bytes], window: str) -> dict[int, list[Verdict]]:
    """The verdicts of a recent list by window start, each post once, newest first."""
    seen: set[str] = set()
    by_start: dict[int, list[Verdict]] = {}
    for raw in recent:
        try:
            verdict = Verdict.model_validate_json(raw)
        except ValidationError:
            # Only the aggregator writes the list; an entry it cannot read is not worth failing an alert.
            continue
        if verdict.post_id not in seen:
            seen.add(verdict.post_id)
            by_start.setdefault(window_start_of(verdict.created_at, window), []).append(verdict)
    return by_start


@dataclass(frozen=True)
class _Checked:
    count: WindowCount
    spikes: list[Spike]
    """Every measured kind, with its z."""
    alerted: set[str]
    opened: dict[str, OpenAlert]


class SpikeDetector:
    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: Settings) -> None:
        self._redis = redis
        self._keys = keys
        self._settings = settings
        self._script = redis.register_script(_SCRIPT)
        self._baseline = redis.register_script(_BASELINE)
        self._resolve = redis.register_script(_RESOLVE)
        self._alerts_ttl = longest_retention(settings.windows, settings.retention_windows)

    async def check(self, counts: Iterable[WindowCount]) -> list[Alert]:
        """Alerts newly raised by these windows, already stored; resolves open alerts that calmed down."""
        candidates = [c for c in counts if c.counted and c.volume >= self._settings.alert_min_volume]
        if not candidates:
            return []
        checked = await self._measure(candidates)
        await self._resolve_calm(checked)
        fired = [
            (c.count, spike, c.opened.get(spike.kind))
            for c in checked
            for spike in c.spikes
            if spike.z >= self._settings.alert_z and spike.kind not in c.alerted
        ]
        fired = [(count, spike) for count, spike, opened in fired if opened is None or self._stale(count, opened)]
        if not fired:
            return []
        recent = await self._recent_lists({count.brand for count, _ in fired})
        alerts = [await self._alert(count, spike, recent[count.brand]) for count, spike in fired]
        return await self.record(alerts, lifecycle=True)

    def _stale(self, count: WindowCount, opened: OpenAlert) -> bool:
        return opened.last < self._stale_before(count.window, count.start)

    def _stale_before(self, window: str, start: int) -> int:
        return start - self._settings.alert_baseline_windows * window_seconds(window)

    async def _alert(self, count: WindowCount, spike: Spike, recent: list[str | bytes]) -> Alert:
        by_start = window_verdicts(recent, count.window)
        posts = by_start.get(count.start, [])
        negatives = [v for v in posts if v.polarity == NEGATIVE]
        size = window_seconds(count.window)
        n = self._settings.alert_baseline_windows
        baseline_starts = [count.start - back * size for back in range(1, n + 1)]
        pipe = self._redis.pipeline(transaction=False)
        for start in [count.start, *baseline_starts]:
            pipe.hgetall(self._keys.agg(count.window, count.brand, start))
        hashes = await pipe.execute()
        end = datetime.fromtimestamp(count.start + size, UTC)
        return Alert(
            brand=count.brand,
            window=count.window,
            window_start=datetime.fromtimestamp(count.start, UTC),
            kind=spike.kind,
            value=spike.value,
            baseline_mean=spike.mean,
            baseline_std=spike.std,
            z=spike.z,
            volume=count.volume,
            post_ids=[v.post_id for v in negatives],
            backfill=(utcnow() - end).total_seconds() > self._settings.alert_backfill_seconds,
            explanation=explain(
                count.brand,
                negatives if spike.kind == "negative_share" else posts,
                posts,
                [v for start in baseline_starts for v in by_start.get(start, [])],
                field_totals(hashes[:1]),
                field_totals(hashes[1:]),
                self._settings.alert_explain_items,
            ),
        )

    async def record(self, alerts: Sequence[Alert], *, lifecycle: bool = False) -> list[Alert]:
        """Store alerts whose window has not alerted in that kind yet; returns those stored.

        Also how a rebuild puts back the alerts read from the alerts topic (``lifecycle=False``: alerts
        of the past are history, they open nothing).
        """
        if not alerts:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for alert in alerts:
            start = window_start_of(alert.window_start, alert.window)
            await self._script(
                keys=[
                    self._keys.alerted(alert.window, alert.brand, start, alert.kind),
                    self._keys.alerts,
                    self._keys.alert_open(alert.window, alert.brand, alert.kind),
                    self._keys.alerts_resolved,
                ],
                args=[
                    retention_seconds(alert.window, self._settings.retention_windows),
                    start,
                    alert.to_bytes(),
                    start - self._alerts_ttl,
                    self._alerts_ttl,
                    int(lifecycle),
                    alert.ident,
                    start,
                    self._stale_before(alert.window, start),
                ],
                client=pipe,
            )
        stored = await pipe.execute()
        return [alert for alert, ok in zip(alerts, stored, strict=True) if ok]

    async def _measure(self, candidates: Sequence[WindowCount]) -> list[_Checked]:
        """One round trip, one command per candidate: baseline counts, history start, markers."""
        n = self._settings.alert_baseline_windows
        pipe = self._redis.pipeline(transaction=False)
        for count in candidates:
            size = window_seconds(count.window)
            await self._baseline(
                keys=[
                    self._keys.agg_index(count.window, count.brand),
                    *(self._keys.alerted(count.window, count.brand, count.start, kind) for kind in KINDS),
                    *(self._keys.alert_open(count.window, count.brand, kind) for kind in KINDS),
                    *(self._keys.agg(count.window, count.brand, count.start - back * size) for back in range(1, n + 1)),
                ],
                args=[len(KINDS), VOLUME, pol_field(NEGATIVE)],
                client=pipe,
            )
        checked: list[_Checked] = []
        k = len(KINDS)
        for count, reply in zip(candidates, await pipe.execute(), strict=True):
            first, flags, opened, counts = int(reply[0]), reply[1 : 1 + k], reply[1 + k : 1 + 2 * k], reply[1 + 2 * k :]
            previous = [(int(counts[i]), int(counts[i + 1])) for i in range(0, len(counts), 2)]
            full_history = 0 <= first <= count.start - n * window_seconds(count.window)
            checked.append(
                _Checked(
                    count,
                    measure(count, previous, full_history, self._settings),
                    {kind for kind, flag in zip(KINDS, flags, strict=True) if flag},
                    {
                        kind: parsed
                        for kind, raw in zip(KINDS, opened, strict=True)
                        if (parsed := OpenAlert.parse(raw)) is not None
                    },
                )
            )
        return checked

    async def _resolve_calm(self, checked: Sequence[_Checked]) -> None:
        """Resolve each open alert whose brand has a window back within the baseline band."""
        calm = [
            (c.count, spike.kind, c.opened[spike.kind])
            for c in checked
            for spike in c.spikes
            if spike.kind in c.opened
            and spike.z < self._settings.alert_resolve_z
            and c.count.start >= _alert_start(c.opened[spike.kind].ident)
        ]
        if not calm:
            return
        pipe = self._redis.pipeline(transaction=False)
        for count, kind, opened in calm:
            await self._resolve(
                keys=[self._keys.alert_open(count.window, count.brand, kind), self._keys.alerts_resolved],
                args=[opened.raw, opened.ident, datetime.fromtimestamp(count.start, UTC).isoformat(), self._alerts_ttl],
                client=pipe,
            )
        await pipe.execute()

    async def _recent_lists(self, brands: Iterable[str]) -> dict[str, list[str | bytes]]:
        ordered = sorted(brands)
        pipe = self._redis.pipeline(transaction=False)
        for brand in ordered:
            pipe.lrange(self._keys.recent(brand), 0, -1)
        return dict(zip(ordered, await pipe.execute(), strict=True))


def _alert_start(ident: str) -> int:
    """The window start inside an alert id (``brand|window|start|kind``; a brand may hold ``|``)."""
    return int(ident.rsplit("|", 2)[1])
