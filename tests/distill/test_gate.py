"""The gate's paired statistics: what the sample size explains, and what it does not."""

from __future__ import annotations

import numpy as np

from distill.gate import PairedComparison, decide


def comparison(name: str, n: int, only_current: int, only_candidate: int) -> PairedComparison:
    """``n`` examples of class 0: both right on the rest, one model right on the discordant ones."""
    gold = np.zeros(n, dtype=np.int64)
    current, candidate = gold.copy(), gold.copy()
    candidate[:only_current] = 1
    current[only_current : only_current + only_candidate] = 1
    both_wrong = slice(only_current + only_candidate, only_current + only_candidate + n // 10)
    current[both_wrong], candidate[both_wrong] = 2, 2
    return PairedComparison(name, gold, current, candidate)


def test_a_small_loss_on_few_examples_is_noise_and_is_promoted() -> None:
    # The drift bench's old refusal: a couple of answers on a few dozen labels.
    gate = decide([comparison("holdout", 40, 3, 1)], alpha=0.05, gold_max_drop=0.1)
    assert gate.promote, gate.reason
    metrics = gate.metrics()
    assert metrics["holdout_accuracy_diff_low"] < 0 < metrics["holdout_accuracy_diff_high"]
    assert metrics["current_holdout_examples"] == 40


def test_the_same_loss_rate_on_many_examples_is_refused() -> None:
    gate = decide([comparison("holdout", 4000, 300, 100)], alpha=0.05, gold_max_drop=0.1)
    assert not gate.promote
    assert "holdout accuracy -0.0500" in gate.reason and "worse beyond noise" in gate.reason
    assert gate.metrics()["holdout_accuracy_diff_high"] < 0


def test_a_gold_loss_must_be_earned_on_the_stream_and_never_be_a_collapse() -> None:
    # Significantly worse on gold, by less than the allowed drop, for a gain on the stream.
    drifting = decide([comparison("gold", 600, 40, 5), comparison("holdout", 300, 5, 20)], 0.05, 0.1)
    assert drifting.promote, drifting.reason
    # The same loss with nothing to show on the stream (a poisoned teacher's round looks like this),
    # an example's worth of gain (+5 points) on a small held-out set that shares the poison, or a
    # larger gain that a few answers make (+10 points on 30, p = 0.1): none is a significant gain.
    for holdout in (
        comparison("holdout", 300, 12, 10),
        comparison("holdout", 20, 1, 2),
        comparison("holdout", 30, 1, 4),
    ):
        unearned = decide([comparison("gold", 600, 40, 5), holdout], 0.05, 0.1)
        assert not unearned.promote and "not earned by a gain on the stream" in unearned.reason
    collapsed = decide([comparison("gold", 600, 120, 5), comparison("holdout", 300, 5, 20)], 0.05, 0.1)
    assert not collapsed.promote and "collapsed" in collapsed.reason


def test_nothing_to_judge_on_is_a_refusal() -> None:
    assert not decide([], alpha=0.05, gold_max_drop=0.1).promote
