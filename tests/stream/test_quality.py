"""The live accuracy estimate: Wilson intervals, the teacher-noise correction, cascade weighting, staleness."""

from __future__ import annotations

import random

import pytest

from stream.quality import AccuracyEstimator, AuditPair, Tallies, Tally, true_accuracy, wilson


def noisy_audits(
    n: int, student_accuracy: float, teacher_accuracy: float, seed: int, **extra: object
) -> list[AuditPair]:
    """Audits of a student right ``student_accuracy`` of the time, labelled by a teacher right
    ``teacher_accuracy`` of the time whose mistakes name either other class alike (the oracle's noise)."""
    rng = random.Random(seed)
    pairs = []
    for i in range(n):
        truth = rng.randrange(3)
        student = truth if rng.random() < student_accuracy else rng.choice([c for c in range(3) if c != truth])
        teacher = truth if rng.random() < teacher_accuracy else rng.choice([c for c in range(3) if c != truth])
        fields = {"brands": ("acme",), "probs": (0.1, 0.1, 0.8), "model_version": "v1", "at": 1000.0 + i}
        fields.update(extra)
        pairs.append(AuditPair(post_id=f"{seed}-{i}", student=student, teacher=teacher, **fields))  # type: ignore[arg-type]
    return pairs


def test_wilson_interval_is_inside_zero_one_and_shrinks_with_evidence() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(10, 10)
    assert 0.6 < low < 1.0 and high == 1.0
    narrow = wilson(800, 1000)
    wide = wilson(8, 10)
    assert narrow[0] < 0.8 < narrow[1] and narrow[1] - narrow[0] < wide[1] - wide[0]


@pytest.mark.parametrize(("student", "teacher"), [(0.8, 1.0), (0.8, 0.9), (0.6, 0.75), (0.95, 0.85)])
def test_the_noise_correction_inverts_the_agreement_a_noisy_teacher_produces(student: float, teacher: float) -> None:
    agreement = student * teacher + (1 - student) * (1 - teacher) / 2
    assert true_accuracy(agreement, teacher) == pytest.approx(student)


def test_the_interval_covers_the_true_accuracy_on_a_stream_of_known_accuracy() -> None:
    estimator = AccuracyEstimator(teacher_accuracy=0.9, window_seconds=1e9, stale_seconds=60)
    tallies = Tallies(overall=Tally(accepted=1000))
    covered = 0
    runs = 200
    for seed in range(runs):
        report = estimator.estimate(noisy_audits(300, 0.8, 0.9, seed), tallies, now=1300.0)
        accepted = report.overall.accepted
        assert accepted is not None
        covered += accepted.low <= 0.8 <= accepted.high
    assert covered / runs >= 0.9  # a 95 % interval; the correction keeps its coverage


def test_the_cascade_weights_each_decider_by_its_share() -> None:
    estimator = AccuracyEstimator(teacher_accuracy=1.0, window_seconds=1e9, stale_seconds=60)
    audits = noisy_audits(400, 0.8, 1.0, 1)
    doubtful = noisy_audits(100, 0.5, 1.0, 2, kind="escalation")
    tallies = Tallies(overall=Tally(accepted=800, teacher=150, low=50))
    report = estimator.estimate(audits + doubtful, tallies, now=1500.0)
    accepted = report.overall.accepted
    cascade = report.overall.cascade
    assert accepted is not None and cascade is not None
    low_accuracy = sum(p.agrees for p in doubtful) / len(doubtful)
    assert cascade.value == pytest.approx((800 * accepted.value + 150 * 1.0 + 50 * low_accuracy) / 1000)
    assert cascade.low < cascade.value < cascade.high
    assert report.teacher_share == pytest.approx(0.15)
    assert report.overall.audits == 400 and set(report.brands) == {"acme"}


def test_no_recent_audit_makes_the_report_stale_and_keeps_the_numbers() -> None:
    estimator = AccuracyEstimator(teacher_accuracy=0.9, window_seconds=10_000, stale_seconds=120)
    pairs = noisy_audits(100, 0.8, 0.9, 4)  # answered at 1000..1099
    fresh = estimator.estimate(pairs, Tallies(overall=Tally(accepted=100)), now=1150.0)
    assert not fresh.stale
    old = estimator.estimate(pairs, Tallies(overall=Tally(accepted=100)), now=1400.0)
    assert old.stale and old.overall.accepted == fresh.overall.accepted
    nothing = estimator.estimate([], Tallies(), now=1400.0)
    assert nothing.stale and nothing.overall.accepted is None and nothing.last_audit_at is None


def test_escalation_answers_do_not_count_as_audits() -> None:
    estimator = AccuracyEstimator(teacher_accuracy=0.9, window_seconds=10_000, stale_seconds=120)
    report = estimator.estimate(noisy_audits(50, 0.5, 0.9, 5, kind="escalation"), Tallies(), now=1100.0)
    assert report.overall.audits == 0 and report.overall.accepted is None and report.stale
