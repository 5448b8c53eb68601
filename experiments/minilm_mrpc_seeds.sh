#!/bin/bash
# MiniLM (build/minilm, `make minilm`) fine-tuned on real MRPC for one epoch
# (lr 5e-5, batch 32, seq 128: 114 steps) with seeds 1, 2 and 3: each seed's
# dev accuracy and loss, and their median against the class prior's entropy
# (0.624). The suite's tests/test_end_to_end_minilm.py runs seed 1 alone, in
# batches of like lengths (--bucket_by_length).
#
#   bash experiments/minilm_mrpc_seeds.sh [PYTHON]   (default: .venv/bin/python)
# GLUE_DIR, MODEL_DIR and OUT override the folders; SEEDS the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
GLUE=${GLUE_DIR:-../shared/data/glue}
MODEL=${MODEL_DIR:-build/minilm}
OUT=${OUT:-build/minilm_mrpc_seeds}
SEEDS=${SEEDS:-1 2 3}

rm -rf "$OUT" && mkdir -p "$OUT"
for seed in $SEEDS; do
  echo "== seed $seed: $OUT/seed$seed"
  "$PY" run_classifier.py --task_name=MRPC --do_train=true --do_eval=true \
    --data_dir="$GLUE/MRPC" --vocab_file="$MODEL/vocab.txt" \
    --bert_config_file="$MODEL/bert_config.json" \
    --init_checkpoint="$MODEL/bert_model.ckpt" --max_seq_length=128 \
    --train_batch_size=32 --learning_rate=5e-5 --num_train_epochs=1.0 \
    --random_seed="$seed" --output_dir="$OUT/seed$seed" 2>"$OUT/seed$seed.log"
  grep -E "eval_(accuracy|loss)" "$OUT/seed$seed/eval_results.txt"
done
"$PY" - "$OUT" "$GLUE/MRPC/dev.tsv" $SEEDS <<'PY'
import math, os, statistics, sys
out, dev_file, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
losses = []
for seed in seeds:
    with open(os.path.join(out, "seed" + seed, "eval_results.txt")) as reader:
        losses.append(float(dict(line.split(" = ")
                                 for line in reader.read().splitlines())["eval_loss"]))
with open(dev_file, encoding="utf-8-sig") as reader:
    labels = [line.split("\t")[0] for line in reader.read().splitlines()[1:]]
p = labels.count("1") / float(len(labels))
entropy = -(p * math.log(p) + (1 - p) * math.log(1 - p))
print("median dev loss %.4f; the class prior's entropy %.4f" %
      (statistics.median(losses), entropy))
PY
