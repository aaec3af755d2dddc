"""Steering: the threshold that meets a target at the fewest calls, the call-share cap, warm-up, audit draws."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from models.recalibration import Recalibration
from stream.quality import AuditPair
from stream.steering import (
    ESCALATE_ALL,
    MAX_CALIBRATION_PAIRS,
    REFIT_NEW_PAIRS,
    AuditSampler,
    RoutingPlan,
    Steering,
    SteeringConfig,
    choose_threshold,
)


def expected_cascade(confidence: np.ndarray, threshold: float, teacher_accuracy: float) -> float:
    escalated = confidence < threshold
    return float((np.where(escalated, teacher_accuracy, confidence)).mean())


def test_the_chosen_threshold_is_the_lowest_that_meets_the_target() -> None:
    confidence = np.random.default_rng(0).uniform(0.4, 1.0, 1000)
    threshold = choose_threshold(confidence, target_accuracy=0.85, max_escalation_share=None, teacher_accuracy=1.0)
    assert expected_cascade(confidence, threshold, 1.0) >= 0.85
    lower = confidence[confidence < threshold].max()  # one post fewer to the teacher
    assert expected_cascade(confidence, lower, 1.0) < 0.85


def test_the_call_share_caps_an_unreachable_target() -> None:
    confidence = np.linspace(0.4, 1.0, 1000)
    threshold = choose_threshold(confidence, target_accuracy=0.99, max_escalation_share=0.1, teacher_accuracy=0.9)
    assert (confidence < threshold).mean() == pytest.approx(0.1, abs=0.002)
    only_share = choose_threshold(confidence, target_accuracy=None, max_escalation_share=0.25, teacher_accuracy=0.9)
    assert (confidence < only_share).mean() == pytest.approx(0.25, abs=0.002)
    assert choose_threshold(np.zeros(0), target_accuracy=0.9, max_escalation_share=None, teacher_accuracy=0.9) == (
        ESCALATE_ALL
    )


def pairs(n: int, agree_share: float, version: str = "v1", brand: str = "acme") -> list[AuditPair]:
    return [
        AuditPair(
            post_id=f"{version}-{brand}-{i}",
            brands=(brand,),
            student=0,
            teacher=0 if i < agree_share * n else 1,
            probs=(0.95, 0.03, 0.02),
            model_version=version,
            at=float(i),
        )
        for i in range(n)
    ]


def test_a_swapped_in_version_is_calibrated_on_earlier_audits_until_it_has_enough_of_its_own() -> None:
    steering = Steering(SteeringConfig(min_calibration_labels=30))
    overconfident = pairs(200, 0.4, version="v1")  # 0.95 sure, right 40 % of the time
    assert steering.calibrate(overconfident[:20], "v1", 1).kind == "identity"  # too few to fit anything
    swapped = steering.calibrate(overconfident, "v2", 2)
    assert (swapped.model_version, swapped.examples) == ("v2", 200)
    assert swapped.kind != "identity"
    assert swapped.apply(np.array([[0.95, 0.03, 0.02]]))[0, 0] < 0.6
    own = pairs(40, 1.0, version="v2")
    escalations = [replace(p, post_id=f"e{i}", kind="escalation") for i, p in enumerate(pairs(500, 0.0, "v2"))]
    settled = steering.calibrate(overconfident + own + escalations, "v2", 3)
    assert settled.examples == 40  # its own audits only; escalations never fit a map
    assert steering.calibration_pairs(overconfident + own + escalations, "v2") == own


def test_a_refit_follows_new_audits_even_when_the_window_is_full() -> None:
    steering = Steering(SteeringConfig(min_calibration_labels=30))
    full = pairs(MAX_CALIBRATION_PAIRS, 0.7)  # as many as a fit takes: counts alone stop moving here
    fitted = steering.calibrate(full, "v1", 1)
    assert fitted.newest_at == full[-1].at and fitted.examples == MAX_CALIBRATION_PAIRS
    assert not steering.refit_due(fitted, full, "v1")
    later = [replace(p, post_id=f"later-{i}", at=p.at + MAX_CALIBRATION_PAIRS) for i, p in enumerate(full)]
    rolled = full[REFIT_NEW_PAIRS * 10 :] + later[: REFIT_NEW_PAIRS * 10]  # the window moved on, same size
    assert len(steering.calibration_pairs(rolled, "v1")) == fitted.examples
    assert steering.refit_due(fitted, rolled, "v1")
    assert not steering.refit_due(fitted, full[:-5] + later[:5], "v1")  # five new: not yet
    assert steering.refit_due(fitted, full, "v2")  # another model serves


def test_warm_up_on_a_new_model_then_drift_when_audits_disagree_with_the_calibration() -> None:
    steering = Steering(SteeringConfig(target_accuracy=0.8, warmup_audits=50, drift_audits=50, warmup_threshold=0.9))
    recent = np.tile([0.7, 0.2, 0.1], (200, 1))
    identity = Recalibration.identity("v1")
    new = steering.plan(recent, pairs(10, 1.0), "v1", identity)
    assert new.warmup and new.reasons == ("new_model",) and new.threshold >= 0.9
    assert new.audit_share_for(["acme"]) == steering.config.audit_warmup_share
    settled = steering.plan(recent, pairs(100, 0.96), "v1", identity)
    assert not settled.warmup and settled.threshold < 0.9
    drifted = steering.plan(recent, pairs(100, 0.6), "v1", identity)  # served 0.95 sure, right 60 % of the time
    assert drifted.reasons == ("drift",)
    other_version = steering.plan(recent, pairs(100, 0.96, version="v0"), "v1", identity)
    assert other_version.reasons == ("new_model",)


def test_brands_with_few_audits_are_audited_at_the_warm_up_share() -> None:
    steering = Steering(SteeringConfig(brand_warmup_audits=10, warmup_audits=5, audit_share=0.02))
    plan = steering.plan(np.zeros((0, 3)), pairs(60, 1.0) + pairs(3, 1.0, brand="newco"), "v1", Recalibration())
    assert plan.mode == "fixed" and plan.threshold == 0.6 and not plan.warmup
    assert plan.audit_share_for(["acme"]) == 0.02
    assert plan.audit_share_for(["acme", "newco"]) == plan.warmup_share


def test_a_plan_survives_its_json_form() -> None:
    plan = RoutingPlan(
        threshold=0.7,
        audit_share=0.02,
        warmup_share=0.1,
        warmup=True,
        reasons=("drift",),
        calibration=Recalibration(kind="vector", scale=(0.5, 0.6, 0.7), bias=(0.1, 0.0, -0.1), model_version="v"),
        seasoned_brands=frozenset({"a", "b"}),
        mode="target",
    )
    assert RoutingPlan.from_json(plan.to_json()) == plan


def test_the_sampler_draws_about_the_share_asked() -> None:
    sampler = AuditSampler(random.Random(1))
    drawn = sampler.pick(list(range(20_000)), [0.02] * 20_000)
    assert 0.017 < len(drawn) / 20_000 < 0.023
    assert sampler.pick([1, 2, 3], [0.0, 0.0, 0.0]) == [] and sampler.pick([1, 2], [1.0, 1.0]) == [1, 2]


def test_audits_take_at_most_their_share_of_the_budget_so_escalations_keep_the_rest() -> None:
    # Warm-up once audited 10 % of posts under a 10 % budget: no escalation, no training label, no round.
    config = SteeringConfig(target_call_share=0.1, audit_warmup_share=0.1, audit_share=0.02, audit_budget_share=0.25)
    recent = np.column_stack([np.linspace(0.34, 0.98, 1000), np.zeros(1000), np.zeros(1000)])
    recent[:, 1:] = ((1 - recent[:, 0]) / 2)[:, None]
    warming = Steering(config).plan(recent, [], "v1", Recalibration.identity("v1"))
    assert warming.warmup and warming.audit_share_for(["acme"]) == pytest.approx(0.025)
    escalated = (recent.max(axis=1) < warming.threshold).mean()
    assert escalated == pytest.approx(0.075, abs=0.002)
    settled = Steering(config).plan(recent, pairs(100, 0.96), "v1", Recalibration.identity("v1"))
    assert settled.audit_share == 0.02, "a configured share below the cap stays as it is"
    unsteered = Steering(SteeringConfig(audit_warmup_share=0.1)).plan(recent, [], "v1", Recalibration())
    assert unsteered.warmup_share == 0.1, "without a call share there is no budget to cap by"
