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
* **Once** per brand, window and kind: a marker set with SET NX together with the stored alert
  (``alert.lua``), so several workers, or the same window growing further, raise it once.

An alert carries the ids of the window's negative posts found in the brand's recent list (the
posts an operator will want to read first), is stored in the alerts sorted set (score = time of the
alert) and is returned so that the worker publishes it to the alerts topic.

The current window is usually still filling up; it is compared as it stands, so a spike is
reported while it happens, not after the window closes.
"""

from __future__ import annotations

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
    pol_field,
    retention_seconds,
    window_seconds,
    window_start_of,
)
from sentimon.settings import Settings

AlertKind = Literal["negative_share", "volume"]
KINDS: tuple[AlertKind, ...] = ("negative_share", "volume")
MIN_SHARE_BASELINE = 3
NEGATIVE = "negative"

_SCRIPT = resources.files(__package__).joinpath("alert.lua").read_text()
_BASELINE = resources.files(__package__).joinpath("baseline.lua").read_text()


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


def zscore(value: float, baseline: Sequence[float], std_floor: float) -> tuple[float, float, float]:
    """Mean, floored std and z of ``value`` against ``baseline``."""
    mean = fmean(baseline)
    std = max(pstdev(baseline), std_floor)
    return mean, std, (value - mean) / std


def find_spikes(
    current: WindowCount,
    previous: Sequence[tuple[int, int]],
    full_history: bool,
    settings: Settings,
) -> list[Spike]:
    """The rule of the module docstring; ``previous`` is (volume, negatives) of each baseline window."""
    if current.volume < settings.alert_min_volume:
        return []
    spikes: list[Spike] = []
    shares = [negative / volume for volume, negative in previous if volume > 0]
    if len(shares) >= MIN_SHARE_BASELINE:
        share = current.negative / current.volume
        expected = fmean(shares)
        sampling = math.sqrt(expected * (1 - expected) / current.volume)
        mean, std, z = zscore(share, shares, max(sampling, settings.alert_share_std_floor))
        if z >= settings.alert_z:
            spikes.append(Spike("negative_share", share, mean, std, z))
    if full_history and previous:
        volumes = [float(volume) for volume, _ in previous]
        mean, std, z = zscore(current.volume, volumes, math.sqrt(max(fmean(volumes), 1.0)))
        if z >= settings.alert_z:
            spikes.append(Spike("volume", float(current.volume), mean, std, z))
    return spikes


def negative_posts(recent: Iterable[str | bytes], window: str, start: int) -> list[str]:
    """Ids of the negative verdicts of one window in a recent list, newest first, each once."""
    ids: dict[str, None] = {}
    for raw in recent:
        try:
            verdict = Verdict.model_validate_json(raw)
        except ValidationError:
            # Only this module writes the list; an entry it cannot read is not worth failing an alert.
            continue
        if verdict.polarity == NEGATIVE and window_start_of(verdict.created_at, window) == start:
            ids[verdict.post_id] = None
    return list(ids)


class SpikeDetector:
    def __init__(self, redis: aioredis.Redis, keys: Keys, settings: Settings) -> None:
        self._redis = redis
        self._keys = keys
        self._settings = settings
        self._script = redis.register_script(_SCRIPT)
        self._baseline = redis.register_script(_BASELINE)
        self._alerts_ttl = max(retention_seconds(window) for window in settings.windows)

    async def check(self, counts: Iterable[WindowCount]) -> list[Alert]:
        """Alerts newly raised by these windows, already stored; at most one per window and kind."""
        candidates = [c for c in counts if c.counted and c.volume >= self._settings.alert_min_volume]
        if not candidates:
            return []
        fired = await self._spikes(candidates)
        if not fired:
            return []
        recent = await self._recent_lists({count.brand for count, _ in fired})
        alerts = [
            Alert(
                brand=count.brand,
                window=count.window,
                window_start=datetime.fromtimestamp(count.start, UTC),
                kind=spike.kind,
                value=spike.value,
                baseline_mean=spike.mean,
                baseline_std=spike.std,
                z=spike.z,
                volume=count.volume,
                post_ids=negative_posts(recent[count.brand], count.window, count.start),
            )
            for count, spike in fired
        ]
        return await self.record(alerts)

    async def record(self, alerts: Sequence[Alert]) -> list[Alert]:
        """Store alerts whose window has not alerted in that kind yet; returns those stored.

        Also how a rebuild puts back the alerts read from the alerts topic.
        """
        if not alerts:
            return []
        oldest = utcnow().timestamp() - self._alerts_ttl
        pipe = self._redis.pipeline(transaction=False)
        for alert in alerts:
            start = window_start_of(alert.window_start, alert.window)
            await self._script(
                keys=[self._keys.alerted(alert.window, alert.brand, start, alert.kind), self._keys.alerts],
                args=[
                    retention_seconds(alert.window),
                    alert.at.timestamp(),
                    alert.to_bytes(),
                    oldest,
                    self._alerts_ttl,
                ],
                client=pipe,
            )
        stored = await pipe.execute()
        return [alert for alert, ok in zip(alerts, stored, strict=True) if ok]

    async def _spikes(self, candidates: Sequence[WindowCount]) -> list[tuple[WindowCount, Spike]]:
        """One round trip, one command per candidate: baseline counts, history start, alerted markers."""
        n = self._settings.alert_baseline_windows
        pipe = self._redis.pipeline(transaction=False)
        for count in candidates:
            size = window_seconds(count.window)
            await self._baseline(
                keys=[
                    self._keys.agg_index(count.window, count.brand),
                    *(self._keys.alerted(count.window, count.brand, count.start, kind) for kind in KINDS),
                    *(self._keys.agg(count.window, count.brand, count.start - back * size) for back in range(1, n + 1)),
                ],
                args=[len(KINDS), VOLUME, pol_field(NEGATIVE)],
                client=pipe,
            )
        fired: list[tuple[WindowCount, Spike]] = []
        for count, reply in zip(candidates, await pipe.execute(), strict=True):
            first, flags, counts = int(reply[0]), reply[1 : 1 + len(KINDS)], reply[1 + len(KINDS) :]
            previous = [(int(counts[i]), int(counts[i + 1])) for i in range(0, len(counts), 2)]
            full_history = 0 <= first <= count.start - n * window_seconds(count.window)
            alerted = {kind for kind, flag in zip(KINDS, flags, strict=True) if flag}
            fired.extend(
                (count, spike)
                for spike in find_spikes(count, previous, full_history, self._settings)
                if spike.kind not in alerted
            )
        return fired

    async def _recent_lists(self, brands: Iterable[str]) -> dict[str, list[str | bytes]]:
        ordered = sorted(brands)
        pipe = self._redis.pipeline(transaction=False)
        for brand in ordered:
            pipe.lrange(self._keys.recent(brand), 0, -1)
        return dict(zip(ordered, await pipe.execute(), strict=True))
