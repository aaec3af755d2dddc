"""The paired statistics the gate and the export's parity check share."""

from __future__ import annotations

import math

from distill.metrics import mcnemar_midp_worse, paired_difference_interval


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
