#!/bin/bash
# --fast prediction against the faithful fp32 graph on one fine-tuned checkpoint:
# MiniLM (build/minilm, `make minilm`) trained on real MRPC for one --fast epoch
# (lr 5e-5, batch 32, seq 128, seed 1), then MRPC's and QNLI's test files
# predicted without speed flags and with --fast from that checkpoint: the
# largest probability difference and the share of labels that agree (#33 asks
# for at most 1e-2 and at least 99.5%), and MRPC's dev accuracy both ways.
#
#   bash experiments/fast_prediction_agreement.sh [PYTHON]   (default: .venv/bin/python)
# GLUE_DIR, MODEL_DIR and OUT override the folders.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
GLUE=${GLUE_DIR:-../shared/data/glue}
MODEL=${MODEL_DIR:-build/minilm}
OUT=${OUT:-build/fast_prediction_agreement}
MODEL_FLAGS=(--vocab_file="$MODEL/vocab.txt" --bert_config_file="$MODEL/bert_config.json"
             --max_seq_length=128)

rm -rf "$OUT" && mkdir -p "$OUT"
echo "== training: $OUT/train"
"$PY" run_classifier.py --task_name=MRPC --do_train=true --data_dir="$GLUE/MRPC" \
  "${MODEL_FLAGS[@]}" --init_checkpoint="$MODEL/bert_model.ckpt" \
  --train_batch_size=32 --learning_rate=5e-5 --num_train_epochs=1 --fast \
  --random_seed=1 --output_dir="$OUT/train" 2>"$OUT/train.log"
checkpoint="$OUT/train/$(head -n 1 "$OUT/train/checkpoint" | cut -d '"' -f 2)"
for task in MRPC QNLI; do
  for mode in plain fast; do
    speed=()
    [ "$mode" = fast ] && speed=(--fast)
    evaluate=false
    [ "$task" = MRPC ] && evaluate=true
    "$PY" run_classifier.py --task_name="$task" --do_predict=true \
      --do_eval="$evaluate" --data_dir="$GLUE/$task" "${MODEL_FLAGS[@]}" \
      --init_checkpoint="$checkpoint" --output_dir="$OUT/$task-$mode" \
      ${speed[@]+"${speed[@]}"} 2>"$OUT/$task-$mode.log"
  done
  "$PY" - "$task" "$OUT/$task-plain/test_results.tsv" "$OUT/$task-fast/test_results.tsv" <<'PYTHON'
import sys
import numpy as np
task, plain, fast = sys.argv[1], np.loadtxt(sys.argv[2]), np.loadtxt(sys.argv[3])
print("%s test: %d rows, largest |p(--fast) - p(fp32)| %.2e, labels agree %.2f%%"
      % (task, len(plain), np.abs(plain - fast).max(),
         100 * (plain.argmax(1) == fast.argmax(1)).mean()))
PYTHON
done
echo "MRPC dev, fp32: $(grep eval_accuracy "$OUT/MRPC-plain/eval_results.txt")"
echo "MRPC dev, --fast: $(grep eval_accuracy "$OUT/MRPC-fast/eval_results.txt")"
