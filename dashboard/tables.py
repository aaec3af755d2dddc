"""Tables of a snapshot: what the page lists and what the CSV download holds.

Post text stays plain data in a DataFrame; Streamlit's data grid draws it as
text, never as HTML, which is what keeps a hostile post harmless on the page.
The CSV export guards against the spreadsheet version of the same attack.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd

from dashboard.model import EMOTIONS, AlertView, Mute, PeriodChange, Series, System
from sentimon.labels import POLARITIES, emotion_groups
from sentimon.records import Explanation, Verdict
from sentimon.redis_layout import NO_BRAND
from sentimon.text import first_visible

# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets skip leading blanks and read full-width signs (＝ ＋ － ＠) as their ASCII forms; NFKC
# folds those, so the first visible character after normalisation is what decides.
_FORMULA_SIGNS = frozenset("=+-@")


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
            "status": [v.status for v in views],
            "resolved with window": [v.resolved for v in views],
            "acknowledged by": [v.ack.by if v.ack else None for v in views],
            "acknowledged at": [v.ack.at if v.ack else None for v in views],
            "why": [_top_reason(v) for v in views],
            "value": [round(v.alert.value, 3) for v in views],
            "baseline": [round(v.alert.baseline_mean, 3) for v in views],
            "z": [round(v.alert.z, 2) for v in views],
            "posts in window": [v.alert.volume for v in views],
            "window": [v.alert.window for v in views],
        }
    )


def _top_reason(view: AlertView) -> str:
    """The first aspect and the first terms of the explanation: enough to scan a list of alerts."""
    why = view.alert.explanation
    if why is None:
        return ""
    return ", ".join([x.item for x in why.aspects[:1]] + [x.item for x in why.terms[:3]])


def lifts(why: Explanation) -> pd.DataFrame:
    rows = [
        {
            "what": what,
            "item": x.item,
            "posts": x.count,
            "baseline posts": x.baseline_count,
            "lift": x.lift,
            "z": x.z,
        }
        for what, found in (("aspect", why.aspects), ("emotion", why.emotions), ("term", why.terms))
        for x in found
    ]
    return pd.DataFrame(rows, columns=["what", "item", "posts", "baseline posts", "lift", "z"])


def typical(why: Explanation) -> pd.DataFrame:
    return pd.DataFrame(
        {"text": [p.text for p in why.posts], "post_id": [p.post_id for p in why.posts]}, columns=["text", "post_id"]
    )


def mutes(muted: Mapping[str, Mute]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "muted brand": list(muted),
            "by": [m.by for m in muted.values()],
            "until (UTC)": [m.until for m in muted.values()],
        }
    )


def period_changes(changes: Sequence[PeriodChange]) -> pd.DataFrame:
    """Each brand now, before and the change: posts, share of voice, net sentiment, negative share."""
    rows = []
    for c in changes:
        negative, negative_before = (
            c.now.share(c.now.polarity["negative"]),
            c.before.share(c.before.polarity["negative"]),
        )
        rows.append(
            {
                "brand": c.brand,
                "posts": c.now.volume,
                "posts before": c.before.volume,
                "% share of voice": _pct(c.voice),
                "share of voice change (pts)": _change(_pct(c.voice), _pct(c.voice_before)),
                "net sentiment": _round(c.now.net_sentiment),
                "net sentiment before": _round(c.before.net_sentiment),
                "net sentiment change": _change(_round(c.now.net_sentiment), _round(c.before.net_sentiment)),
                "% negative": _pct(negative),
                "% negative before": _pct(negative_before),
                "negative change (pts)": _change(_pct(negative), _pct(negative_before)),
            }
        )
    return pd.DataFrame(rows)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 3)


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


def rounds(system: System) -> pd.DataFrame:
    """One row per re-distillation round, newest first; the reason says why the model changed or not."""
    return pd.DataFrame(
        [
            {
                "round": r.round_id,
                "time": r.at,
                "outcome": r.outcome,
                "reason": r.reason,
                "new labels": r.new_labels,
                "trained on": r.train_examples,
                "serving before": r.previous_version,
                "candidate": r.candidate_version,
            }
            for r in system.rounds
        ]
    )


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def to_csv(table: pd.DataFrame) -> bytes:
    """CSV with text cells that a spreadsheet would run as formulas prefixed by a quote."""
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(lambda v: f"'{v}" if isinstance(v, str) and _is_formula(v) else v)
    return safe.to_csv(index=False).encode()


def _is_formula(cell: str) -> bool:
    return cell.startswith(_FORMULA_START) or unicodedata.normalize("NFKC", first_visible(cell)) in _FORMULA_SIGNS
