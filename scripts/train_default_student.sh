#!/usr/bin/env bash
# The recipe of the shipped default student (distill/recipe.py), end to end:
#   scripts/train_default_student.sh DATA_DIR OUT_FILE [REPORT_FILE]
# DATA_DIR is laid out like ../shared/data. Three polarity class weightings train side by side
# (on one GPU: a few minutes; on 2 CPU cores: many hours), then the best of them and their
# average on TweetEval validation is calibrated, measured and written as one fp16 checkpoint.
set -euo pipefail
data=${1:?data directory}; out=${2:?output checkpoint}; report=${3:-${out%.safetensors}.report.json}
py=${PYTHON:-python3}
work=$(mktemp -d -t sentimon-recipe-XXXXXX)
logs=${RECIPE_LOG_DIR:-$work}
trap 'rm -rf "$work"' EXIT
pids=()
for balance in 0 0.5 1; do
  $py -m distill.recipe train --data "$data" --work "$work/b$balance" --balance "$balance" >"$logs/b$balance.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
tail -n 3 "$logs"/b*.log
[ "$status" = 0 ] || { echo "a variant failed" >&2; exit 1; }
$py -m distill.recipe finish --data "$data" --work "$work"/b0 "$work"/b0.5 "$work"/b1 --out "$out" --report "$report"
