"""Tables of a snapshot: what the page lists and what the CSV download holds.

Post text stays plain data in a DataFrame; Streamlit's data grid draws it as
text, never as HTML, which is what keeps a hostile post harmless on the page.
The CSV export guards against the spreadsheet version of the same attack.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from dashboard.model import EMOTIONS, AlertView, Series, System
from sentimon.labels import POLARITIES, emotion_groups
from sentimon.records import Verdict
from sentimon.redis_layout import NO_BRAND

# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def posts(verdicts: Sequence[Verdict]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time": [v.created_at for v in verdicts],
            "brand": [", ".join(v.brand) or NO_BRAND for v in verdicts],
            "polarity": [v.polarity for v in verdicts],
            "score": [round(v.score, 3) for v in verdicts],
            "emotions": [", ".join(emotion_groups(v.emotions)) for v in verdicts],
            "aspects": [", ".join(f"{a.aspect}: {a.polarity}" for a in v.aspects) for v in verdicts],
            "decided_by": [v.decided_by for v in verdicts],
            "flags": [", ".join(v.flags) for v in verdicts],
            "model": [v.model_version for v in verdicts],
            "text": [v.text for v in verdicts],
            "post_id": [v.post_id for v in verdicts],
        },
        columns=[
            "time",
            "brand",
            "polarity",
            "score",
            "emotions",
            "aspects",
            "decided_by",
            "flags",
            "model",
            "text",
            "post_id",
        ],
    )


def alert_posts(view: AlertView) -> pd.DataFrame:
    """The posts behind one alert; those no longer kept in full show whatever is left of them."""
    kept = [p for p in view.posts if isinstance(p, Verdict)]
    rest = [p for p in view.posts if not isinstance(p, Verdict)]
    table = posts(kept)
    if rest:
        table = pd.concat([table, pd.DataFrame({"text": rest})], ignore_index=True)
    return table


def alerts(views: Sequence[AlertView]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "window start": [v.alert.window_start for v in views],
            "brand": [v.alert.brand for v in views],
            "kind": [v.alert.kind for v in views],
            "value": [round(v.alert.value, 3) for v in views],
            "baseline": [round(v.alert.baseline_mean, 3) for v in views],
            "z": [round(v.alert.z, 2) for v in views],
            "posts in window": [v.alert.volume for v in views],
            "window": [v.alert.window for v in views],
        }
    )


def brands(series: Sequence[Series]) -> pd.DataFrame:
    """One row per brand: the competitor comparison as numbers."""
    rows = []
    for s in series:
        t = s.total
        rows.append(
            {
                "brand": s.brand,
                "posts": t.volume,
                "net sentiment": None if t.net_sentiment is None else round(t.net_sentiment, 3),
                **{f"% {p}": _pct(t.share(t.polarity[p])) for p in POLARITIES},
                "% escalated": _pct(t.share(t.escalated)),
                "% deferred": _pct(t.share(t.deferred)),
            }
        )
    return pd.DataFrame(rows)


def series(all_series: Sequence[Series]) -> pd.DataFrame:
    """Every window of every selected brand: the CSV download of the charts."""
    rows = []
    for s in all_series:
        for point in s.points:
            c = point.counts
            rows.append(
                {
                    "brand": s.brand,
                    "window": s.window,
                    "window_start": point.start.isoformat(),
                    "volume": c.volume,
                    "score_sum": c.score_sum,
                    "net_sentiment": c.net_sentiment,
                    **{p: c.polarity[p] for p in POLARITIES},
                    **{f"emotion_{g}": c.emotion[g] for g in EMOTIONS},
                    "escalated": c.escalated,
                    "deferred": c.deferred,
                }
            )
    return pd.DataFrame(rows)


def workers(system: System, now: datetime, live_within: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "worker": [w.name for w in system.workers],
            "role": [w.role for w in system.workers],
            "live": [w.live(now, live_within) for w in system.workers],
            "processed": [w.processed for w in system.workers],
            "posts/s": [round(w.posts_per_sec, 1) for w in system.workers],
            "lag": [w.lag for w in system.workers],
            "backlog": [w.backlog for w in system.workers],
            "backlog s": [w.backlog_seconds for w in system.workers],
            "model": [w.model_version for w in system.workers],
            "last report": [w.at for w in system.workers],
        }
    )


def teachers(system: System) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "teacher": [t.backend for t in system.teachers],
            "calls": [t.calls for t in system.teachers],
            "errors": [t.errors for t in system.teachers],
            "tokens": [t.tokens for t in system.teachers],
            "mean seconds": [round(t.seconds / t.calls, 3) if t.calls else None for t in system.teachers],
            "cost": [round(t.cost, 4) for t in system.teachers],
            "% agreement": [_pct(t.agree / t.compared if t.compared else None) for t in system.teachers],
        }
    )


def models(system: System) -> pd.DataFrame:
    metric_names = sorted({k for m in system.models for k in m.metrics})
    return pd.DataFrame(
        [
            {
                "version": m.version,
                "current": m.version == system.current_model,
                "parent": m.parent_version,
                "created": m.created_at,
                "temperature": m.temperature,
                **{k: round(m.metrics[k], 4) if k in m.metrics else None for k in metric_names},
            }
            for m in system.models
        ]
    )


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def to_csv(table: pd.DataFrame) -> bytes:
    """CSV with text cells that a spreadsheet would run as formulas prefixed by a quote."""
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return safe.to_csv(index=False).encode()
