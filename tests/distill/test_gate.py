"""The gate's paired statistics: what the sample size explains, and what it does not."""

from __future__ import annotations

import math

import numpy as np

from distill.gate import PairedComparison, decide, mcnemar_midp_worse, paired_difference_interval


def comparison(name: str, n: int, only_current: int, only_candidate: int) -> PairedComparison:
    """``n`` examples of class 0: both right on the rest, one model right on the discordant ones."""
    gold = np.zeros(n, dtype=np.int64)
    current, candidate = gold.copy(), gold.copy()
    candidate[:only_current] = 1
    current[only_current : only_current + only_candidate] = 1
    both_wrong = slice(only_current + only_candidate, only_current + only_candidate + n // 10)
    current[both_wrong], candidate[both_wrong] = 2, 2
    return PairedComparison(name, gold, current, candidate)


def test_mcnemar_mid_p_matches_the_binomial_by_hand() -> None:
    # b = 4 lost, c = 0 won: P(X > 4) + ½ P(X = 4) for X ~ Bin(4, ½) = ½ / 16.
    assert math.isclose(mcnemar_midp_worse(4, 0), 1 / 32)
    # b = 3, c = 2: P(X >= 4) = 6/32, plus ½ P(X = 3) = ½ · 10/32.
    assert math.isclose(mcnemar_midp_worse(3, 2), 6 / 32 + 5 / 32)
    assert mcnemar_midp_worse(0, 0) == 1.0
    assert mcnemar_midp_worse(0, 7) > 0.99
    # Thousands of discordant posts do not underflow.
    assert 0.0 < mcnemar_midp_worse(2600, 2400) < 0.01


def test_the_interval_holds_the_difference_and_narrows_with_more_examples() -> None:
    diff, low, high = paired_difference_interval(6, 3, 60)
    assert low < diff < high and math.isclose(diff, -0.05)
    _, big_low, big_high = paired_difference_interval(600, 300, 6000)
    assert big_high - big_low < (high - low) / 3


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
    # On a small held-out set a gain need not be significant, but it must outweigh the gold loss.
    small = decide([comparison("gold", 600, 40, 5), comparison("holdout", 30, 1, 4)], 0.05, 0.1)
    assert small.promote, small.reason  # +10 points against -5.8
    # The same loss with nothing to show on the stream (a poisoned teacher's round looks like this),
    # or an example's worth of gain (+5 points) on a small held-out set that shares the poison.
    for holdout in (comparison("holdout", 300, 12, 10), comparison("holdout", 20, 1, 2)):
        unearned = decide([comparison("gold", 600, 40, 5), holdout], 0.05, 0.1)
        assert not unearned.promote and "not earned by a gain on the stream" in unearned.reason
    collapsed = decide([comparison("gold", 600, 120, 5), comparison("holdout", 300, 5, 20)], 0.05, 0.1)
    assert not collapsed.promote and "collapsed" in collapsed.reason


def test_nothing_to_judge_on_is_a_refusal() -> None:
    assert not decide([], alpha=0.05, gold_max_drop=0.1).promote
