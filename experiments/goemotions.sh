#!/bin/bash
# GoEmotions, multi-label, end to end: MiniLM (build/minilm, `make minilm`)
# fine-tuned on train for 3 epochs at seq 64 with --fast, evaluated on dev
# every 500 steps; the threshold tuned on dev, one for all labels and one per
# label; test-set macro F1 at 0.5, 0.3, 0.2 and the tuned thresholds; in-graph dev
# metrics against scikit-learn's; the exported model with classify.py against
# --do_predict on 100 test rows.
#
#   bash experiments/goemotions.sh [PYTHON]      (default: .venv/bin/python)
# GOEMOTIONS_DIR, MODEL_DIR and OUT override the folders; RANDOM_SEED the
# training seed (default 1); REUSE_MODEL=1 keeps the trained $OUT/model and
# $OUT/export and redoes the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
DATA=${GOEMOTIONS_DIR:-../shared/data/goemotions}
MODEL=${MODEL_DIR:-build/minilm}
OUT=${OUT:-build/goemotions}
SEED=${RANDOM_SEED:-1}
DATA=$(cd "$DATA" && pwd)
COMMON=(--task_name=goemotions --vocab_file="$MODEL/vocab.txt"
        --bert_config_file="$MODEL/bert_config.json" --max_seq_length=64
        --eval_batch_size=64 --predict_batch_size=64)

if [ -z "${REUSE_MODEL:-}" ]; then
  rm -rf "$OUT" && mkdir -p "$OUT"
  echo "== training: $OUT/model"
  start=$(date +%s)
  "$PY" run_classifier.py "${COMMON[@]}" --data_dir="$DATA" \
    --init_checkpoint="$MODEL/bert_model.ckpt" --output_dir="$OUT/model" \
    --do_train --do_eval --do_predict --tune_threshold \
    --do_export --export_dir="$OUT/export" \
    --train_batch_size=32 --learning_rate=5e-5 --num_train_epochs=3 --fast \
    --eval_every_steps=500 --save_checkpoints_steps=500 --random_seed="$SEED" \
    > "$OUT/train.log" 2>&1
  echo "wall time: $(( $(date +%s) - start )) s"
fi
find "$OUT" -mindepth 1 -maxdepth 1 ! -name model ! -name export ! -name train.log \
  -exec rm -rf {} +
for key in eval_macro_f1 eval_micro_f1 eval_tuned_threshold eval_tuned_macro_f1; do
  column=$(head -1 "$OUT/model/eval_history.tsv" | tr '\t' '\n' | grep -nx "$key" | cut -d: -f1)
  echo "$key by step: $(cut -f1,"$column" "$OUT/model/eval_history.tsv" | tail -n +2 | tr '\t\n' ': ')"
done
grep -E "macro|micro|exact|hamming|loss|threshold" "$OUT/model/eval_results.txt"
TUNED=$(cat "$OUT/model/multi_label_threshold.txt")

# The test set evaluated as a dev set (GoEmotions' test file has labels).
mkdir -p "$OUT/test_as_dev" && ln -sf "$DATA/test.tsv" "$OUT/test_as_dev/dev.tsv"
for threshold in 0.5 0.3 0.2 "$TUNED"; do
  "$PY" run_classifier.py "${COMMON[@]}" --data_dir="$OUT/test_as_dev" \
    --init_checkpoint="$OUT/model" --output_dir="$OUT/test_at_$threshold" \
    --do_eval --multi_label_threshold="$threshold" > "$OUT/test_at_$threshold.log" 2>&1
  echo "test set at threshold $threshold:" $(grep -E "eval_macro_(f1|precision|recall)|eval_micro_f1" \
    "$OUT/test_at_$threshold/eval_results.txt" | tr '\n' ' ')
done

# One threshold per label, tuned on dev, then the test set at those.
"$PY" run_classifier.py "${COMMON[@]}" --data_dir="$DATA" --init_checkpoint="$OUT/model" \
  --output_dir="$OUT/per_label" --do_eval --tune_threshold --per_label_thresholds \
  > "$OUT/per_label.log" 2>&1
grep eval_per_label_macro_f1 "$OUT/per_label/eval_results.txt"
mkdir -p "$OUT/test_per_label"
cp "$OUT/per_label/multi_label_threshold.txt" "$OUT/test_per_label/"
"$PY" run_classifier.py "${COMMON[@]}" --data_dir="$OUT/test_as_dev" \
  --init_checkpoint="$OUT/model" --output_dir="$OUT/test_per_label" --do_eval \
  > "$OUT/test_per_label.log" 2>&1
echo "test set at the per-label thresholds:" $(grep -E \
  "eval_macro_(f1|precision|recall)|eval_micro_f1" "$OUT/test_per_label/eval_results.txt" \
  | tr '\n' ' ')

# Dev metrics in the graph and by scikit-learn, from one run's eval and predictions.
mkdir -p "$OUT/dev_as_test"
ln -sf "$DATA/dev.tsv" "$OUT/dev_as_test/dev.tsv"
ln -sf "$DATA/dev.tsv" "$OUT/dev_as_test/test.tsv"
"$PY" run_classifier.py "${COMMON[@]}" --data_dir="$OUT/dev_as_test" \
  --init_checkpoint="$OUT/model" --output_dir="$OUT/dev_check" --do_eval --do_predict \
  --multi_label_threshold="$TUNED" > "$OUT/dev_check.log" 2>&1
"$PY" experiments/check_metrics_with_sklearn.py "$OUT/dev_check" --data_dir="$DATA"

# The exported model (fp32, the tuned threshold) and classify.py against
# --do_predict in fp32 at the same threshold, first 100 test rows.
"$PY" run_classifier.py "${COMMON[@]}" --data_dir="$DATA" \
  --init_checkpoint="$OUT/model" --output_dir="$OUT/predict_fp32" --do_predict \
  --multi_label_threshold="$TUNED" > "$OUT/predict_fp32.log" 2>&1
head -100 "$DATA/test.tsv" | cut -f1 > "$OUT/test100.txt"
"$PY" classify.py "$OUT/export" --input="$OUT/test100.txt" --batch_size=64 \
  --output="$OUT/classify100.tsv"
cut -f3 "$OUT/classify100.tsv" | tail -n +2 > "$OUT/classify100.labels"
cut -f2 "$OUT/predict_fp32/test_predictions.tsv" | sed -n 2,101p > "$OUT/predict100.labels"
cut -f2 "$OUT/model/test_predictions.tsv" | sed -n 2,101p > "$OUT/predict100_fast.labels"
echo "label sets of classify.py vs --do_predict (fp32) differing on 100 test rows:" \
  "$(paste "$OUT/classify100.labels" "$OUT/predict100.labels" | awk -F'\t' '$1 != $2' | wc -l)"
echo "(vs the --fast run's bf16 --do_predict: $(paste "$OUT/classify100.labels" \
  "$OUT/predict100_fast.labels" | awk -F'\t' '$1 != $2' | wc -l) differ)"
cmp -s "$OUT/classify100.labels" "$OUT/predict100.labels"
