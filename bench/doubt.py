"""Which posts to escalate: the learned doubt model against the (recalibrated) top probability.

Offline, on TweetEval test and the serving student (the registry's current one; the shipped student
is exported first when the registry is empty), with
the oracle teacher at ``--noise``. Each trial shuffles the split, lets the first ``seen`` posts
produce the teacher answers a live loop at a 10 % call share would have (the 7.5 % least confident
escalated, 2.5 % of the rest audited at random), fits on them what the loop would fit (the live
calibration map on the audits, the doubt model on every answer), and escalates the given share of
the held-out posts (the last half) by each ranking. Printed per share: how many of the escalated
answers were wrong (the errors a teacher call can fix) and the cascade accuracy, as means over the
trials, and in how many trials the doubt model's cascade beat the recalibrated one's.

    python -m bench.doubt [--trials 8] [--seen 1000 3000] [--shares 0.05 0.1 0.15]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bench.common import (
    TWEETEVAL,
    answer_indices,
    ask_all,
    gold_indices,
    oracle_for,
    serving_student,
    tweeteval_test,
)
from models.doubt import agreement, fit_doubt
from models.recalibration import fit_recalibration
from sentimon.settings import Settings

ESCALATED_SHARE = 0.075
AUDITED_SHARE = 0.025


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=TWEETEVAL, help="TweetEval sentiment directory")
    parser.add_argument("--noise", type=float, default=0.1, help="share of wrong oracle answers")
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--seen", type=int, nargs="+", default=[1000, 3000], help="posts the loop has seen")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.05, 0.1, 0.15], help="call shares")
    args = parser.parse_args()

    settings = Settings()
    examples = tweeteval_test(args.data, None, settings.seed)
    if examples is None:
        return
    student = serving_student(settings)
    probs = np.array([p.probs for p in student.predict([e.text for e in examples])])
    ids = [str(i) for i in range(len(examples))]
    teacher = answer_indices(ask_all(oracle_for(examples, ids, args.noise, settings.seed), examples, ids))
    gold = gold_indices(examples)
    print(f"\nEscalation ranking: student {student.version}, {len(examples)} TweetEval test posts,"
          f" oracle at {args.noise:.0%} noise, {args.trials} trials; errors caught per call (cascade accuracy)")  # fmt: skip
    print(
        f"{'seen':>5} {'labels':>6} {'share':>6} | {'top probability':>22} | {'recalibrated':>22}"
        f" | {'doubt model':>22} | {'wins':>5}"
    )
    for seen in args.seen:
        results: dict[float, dict[str, list[tuple[float, float]]]] = {s: {} for s in args.shares}
        labels = 0
        for trial in range(args.trials):
            rng = np.random.default_rng(trial)
            order = rng.permutation(len(examples))
            past, held = order[:seen], order[len(examples) // 2 :]
            answers = probs.argmax(axis=1)
            escalated = past[np.argsort(probs[past].max(axis=1))[: int(ESCALATED_SHARE * seen)]]
            rest = np.setdiff1d(past, escalated)
            audited = rng.choice(rest, int(AUDITED_SHARE * seen), replace=False)
            asked = np.concatenate([escalated, audited])
            labels = len(asked)
            calibration = fit_recalibration(probs[audited], teacher[audited])
            weights = fit_doubt(probs[asked], answers[asked], teacher[asked])
            rankings = {
                "top probability": probs[held].max(axis=1),
                "recalibrated": calibration.confidence(probs[held]),
                "doubt model": agreement(weights, probs[held], calibration.apply(probs[held]).argmax(axis=1))
                if weights
                else calibration.confidence(probs[held]),
            }
            for share in args.shares:
                k = int(share * len(held))
                for name, confidence in rankings.items():
                    verdicts = (
                        calibration.apply(probs[held]).argmax(axis=1) if name != "top probability" else answers[held]
                    )
                    called = np.zeros(len(held), dtype=bool)
                    called[np.argsort(confidence, kind="stable")[:k]] = True
                    caught = float((verdicts[called] != gold[held][called]).mean())
                    decided = np.where(called, teacher[held], verdicts)
                    results[share].setdefault(name, []).append((caught, float((decided == gold[held]).mean())))
        for share in args.shares:
            cells = []
            for name in ("top probability", "recalibrated", "doubt model"):
                values = np.array(results[share][name])
                cells.append(f"{values[:, 0].mean():.3f} ({values[:, 1].mean():.4f})".rjust(22))
            wins = sum(
                d[1] > r[1] for d, r in zip(results[share]["doubt model"], results[share]["recalibrated"], strict=True)
            )
            print(f"{seen:>5} {labels:>6} {share:>6.0%} | " + " | ".join(cells) + f" | {wins:>2}/{args.trials}")


if __name__ == "__main__":
    main()
