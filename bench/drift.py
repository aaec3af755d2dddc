"""Drift: a student trained on the seed corpus meets TweetEval, and re-distillation rounds adapt it.

The stream is TweetEval's test split in chunks. Each chunk is scored by the serving student; the
posts it escalates (the stream's routing rule) get the evaluation oracle's answer (10 % noise by
default) and go into the label store, as the teacher role would put them there; then one round
runs, with the gate deciding. After each round the next, unseen chunk shows the escalation rate,
and a fixed evaluation slice shows the student's own accuracy.

Runs in a scratch copy of the registry, so the configured one is left as it was.

    python -m bench.drift [--rounds 3] [--chunk 1500] [--eval 1000]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import (
    TWEETEVAL,
    answer_indices,
    ask_all,
    gold_indices,
    oracle_for,
    predicted_indices,
    scores,
    tweeteval_test,
)
from distill.bootstrap import ensure_default_student
from distill.label_store import LabelStore
from distill.redistill import RoundResult, run_round
from models.registry import Registry
from models.student import RuntimeOptions
from sentimon.records import TeacherLabel
from sentimon.settings import Settings
from stream.routing import Route, route


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=TWEETEVAL, help="TweetEval sentiment directory")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=1500, help="stream posts between rounds")
    parser.add_argument("--eval", type=int, default=1000, help="fixed TweetEval slice for the student's accuracy")
    parser.add_argument("--noise", type=float, default=0.1, help="share of wrong oracle answers")
    parser.add_argument("--gate-alpha", type=float, default=None, help="override SENTIMON_GATE_ALPHA")
    args = parser.parse_args()

    settings = Settings()
    if args.gate_alpha is not None:
        settings = settings.model_copy(update={"gate_alpha": args.gate_alpha})
    examples = tweeteval_test(args.data, args.eval + (args.rounds + 1) * args.chunk, settings.seed)
    if examples is None:
        return
    ensure_default_student(settings)
    evaluation, stream = examples[: args.eval], examples[args.eval :]
    ids = [f"tweet-{i}" for i in range(len(stream))]
    oracle = oracle_for(stream, ids, args.noise, settings.seed)
    with tempfile.TemporaryDirectory(prefix="sentimon-drift-") as scratch:
        shutil.copytree(settings.registry_dir, Path(scratch) / "registry")
        run = settings.model_copy(update={"data_dir": Path(scratch)})
        registry = Registry.of(run)
        store = LabelStore(run.label_store_path)
        print(
            f"\nDrift: seed-corpus student on TweetEval ({args.chunk} posts per chunk, evaluation slice of"
            f" {args.eval}), oracle at {args.noise:.0%} noise, accept threshold {run.accept_threshold},"
            f" gate alpha {run.gate_alpha}\n"
        )
        header = (
            f"{'after':>7}  {'student':<22} {'escalated':>9}  {'cascade acc':>11}  {'student acc':>11}"
            f"  {'macro-F1':>8}  round"
        )
        print(header)
        result: RoundResult | None = None
        for r in range(args.rounds + 1):
            chunk = slice(r * args.chunk, (r + 1) * args.chunk)
            student = registry.load_runtime(RuntimeOptions.of(run))
            predictions = student.predict([e.text for e in stream[chunk]])
            escalated = [
                i
                for i, p in enumerate(predictions, start=chunk.start)
                if route(p.max_prob, run.accept_threshold) is Route.ESCALATE
            ]
            answers = ask_all(oracle, [stream[i] for i in escalated], [ids[i] for i in escalated])
            decided = predicted_indices(predictions)
            decided[[i - chunk.start for i in escalated]] = answer_indices(answers)
            cascade_acc, _ = scores(gold_indices(stream[chunk]), decided)
            own_acc, own_f1 = scores(
                gold_indices(evaluation), predicted_indices(student.predict([e.text for e in evaluation]))
            )
            label = "seed" if r == 0 else f"round {r}"
            outcome = "" if result is None else f"{result.outcome}: {result.reason[:150]}"
            print(
                f"{label:>7}  {student.version:<22} {len(escalated) / args.chunk:>9.1%}  {cascade_acc:>11.4f}"
                f"  {own_acc:>11.4f}  {own_f1:>8.4f}  {outcome}",
                flush=True,
            )
            if r == args.rounds:
                break
            store.add(
                TeacherLabel(
                    post_id=ids[i],
                    text=stream[i].text,
                    teacher=answer.teacher,
                    polarity=answer.polarity,
                    probs=answer.probs,
                    confidence=answer.confidence,
                    student_version=student.version,
                )
                for i, answer in zip(escalated, answers, strict=True)
            )
            started = time.perf_counter()
            result = run_round(run, store, registry)
            gold = {k: round(v, 4) for k, v in result.metrics.items() if "accuracy" in k}
            print(
                f"         round {r + 1}: {time.perf_counter() - started:.0f} s, {result.train_examples} examples, {gold}"
            )


if __name__ == "__main__":
    main()
