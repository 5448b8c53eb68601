"""The peers scoring a file: HuggingFace transformers + PyTorch, ONNX Runtime.

Each setting reads a GLUE-style TSV of sentence pairs (QNLI's test file by
default), tokenizes it with the fast BERT tokenizer (pairs cut to 128 tokens,
longest first, as BERT cuts them), runs MiniLM (the safetensors that
build/minilm is converted from) in batches of 32 and writes the class
probabilities in the file's order: rows/sec from reading the file to the
written output, the model's loading and (ONNX Runtime) export and
optimisation before the clock starts. Runs in the peer's virtualenv
(`make bench-predict`); none of this is a dependency of the tool.

    .venv-peer/bin/python bench/peer_predict.py --setting N [--data FILE]
        [--hf_dir DIR] [--work DIR] [--list]

Prints one JSON object: {"setting", "rows", "seconds", "rows_per_sec"}.
"""

import argparse
import collections
import csv
import json
import os
import sys
import time

import numpy as np

BATCH_SIZE = 32
SEQ_LENGTH = 128
NUM_LABELS = 2
Setting = collections.namedtuple("Setting", "name engine bf16 by_length")
SETTINGS = [
    Setting("HF + PyTorch fp32, cut to longest", "torch", False, False),
    Setting("HF + PyTorch fp32, sorted by length", "torch", False, True),
    Setting("HF + PyTorch bf16 autocast, cut to longest", "torch", True, False),
    Setting("HF + PyTorch bf16 autocast, sorted by length", "torch", True, True),
    Setting("ONNX Runtime fp32 (optimised), sorted by length", "onnx", False, True),
    Setting("ONNX Runtime int8 (dynamic quantization), sorted by length", "int8",
            False, True),
]


def read_pairs(path):
    """(text_a, text_b) of each row of a GLUE TSV with a header (its second
    and third columns, as QNLI's test file holds them)."""
    with open(path, encoding="utf-8") as reader:
        rows = list(csv.reader(reader, delimiter="\t", quotechar=None))
    return [(row[1], row[2]) for row in rows[1:]]


def batches(encoded, by_length):
    """Lists of row indices, one per batch: in file order, or sorted by length."""
    order = list(range(len(encoded["input_ids"])))
    if by_length:
        order.sort(key=lambda index: len(encoded["input_ids"][index]))
    return [order[start:start + BATCH_SIZE]
            for start in range(0, len(order), BATCH_SIZE)]


def collate(encoded, indices):
    """int64 arrays of a batch, padded to its longest row."""
    longest = max(len(encoded["input_ids"][i]) for i in indices)
    arrays = {}
    for name in ("input_ids", "token_type_ids", "attention_mask"):
        arrays[name] = np.zeros([len(indices), longest], np.int64)
        for row, index in enumerate(indices):
            values = encoded[name][index]
            arrays[name][row, :len(values)] = values
    return arrays


def torch_scorer(hf_dir, bf16):
    import torch
    import transformers
    torch.set_num_threads(os.cpu_count())
    model = transformers.BertForSequenceClassification.from_pretrained(
        hf_dir, num_labels=NUM_LABELS).eval()

    def score(arrays):
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16,
                                             enabled=bf16):
            logits = model(**{key: torch.from_numpy(value)
                              for key, value in arrays.items()}).logits
            return torch.softmax(logits.float(), dim=-1).numpy()
    return score


def onnx_scorer(hf_dir, work, int8):
    """An ONNX Runtime session of the exported, transformer-optimised model
    (dynamically quantized to int8 with int8)."""
    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    import torch
    import transformers
    model = transformers.BertForSequenceClassification.from_pretrained(
        hf_dir, num_labels=NUM_LABELS).eval()
    os.makedirs(work, exist_ok=True)
    exported = os.path.join(work, "minilm.onnx")
    names = ["input_ids", "token_type_ids", "attention_mask"]
    example = tuple(torch.ones([2, 8], dtype=torch.int64) for _ in names)
    axes = {name: {0: "batch", 1: "length"} for name in names}
    axes["logits"] = {0: "batch"}
    torch.onnx.export(model, example, exported, input_names=names,
                      output_names=["logits"], dynamic_axes=axes,
                      opset_version=17, dynamo=False)
    config = model.config
    optimised = optimizer.optimize_model(
        exported, model_type="bert", num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size)
    path = os.path.join(work, "minilm.opt.onnx")
    optimised.save_model_to_file(path)
    if int8:
        quantized = os.path.join(work, "minilm.int8.onnx")
        # The optimiser's fused nodes are of the com.microsoft domain, which
        # shape inference does not type: their outputs are float.
        quantize_dynamic(path, quantized, weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        path = quantized
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = os.cpu_count()
    session = onnxruntime.InferenceSession(path, options,
                                           providers=["CPUExecutionProvider"])

    def score(arrays):
        logits = session.run(["logits"], arrays)[0]
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)
    return score


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setting", type=int, help="1-based, see --list")
    parser.add_argument("--data", help="a GLUE TSV of pairs (QNLI's test.tsv)")
    parser.add_argument("--hf_dir", help="MiniLM's HuggingFace folder")
    parser.add_argument("--work", default="/tmp/peer_predict",
                        help="where the ONNX models and the output go")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        for number, setting in enumerate(SETTINGS, 1):
            print("%d\t%s" % (number, setting.name))
        return
    setting = SETTINGS[args.setting - 1]
    import transformers
    transformers.logging.set_verbosity_error()
    if setting.engine == "torch":
        score = torch_scorer(args.hf_dir, setting.bf16)
    else:
        score = onnx_scorer(args.hf_dir, args.work, setting.engine == "int8")
    tokenizer = transformers.BertTokenizerFast(
        os.path.join(args.hf_dir, "vocab.txt"), do_lower_case=True)

    start = time.perf_counter()
    pairs = read_pairs(args.data)
    encoded = tokenizer([a for a, _ in pairs], [b for _, b in pairs],
                        truncation="longest_first", max_length=SEQ_LENGTH)
    probabilities = [None] * len(pairs)
    for indices in batches(encoded, setting.by_length):
        for index, row in zip(indices, score(collate(encoded, indices))):
            probabilities[index] = row
    output = os.path.join(args.work, "probabilities.tsv")
    os.makedirs(args.work, exist_ok=True)
    with open(output, "w") as writer:
        for row in probabilities:
            writer.write("\t".join(str(value) for value in row) + "\n")
    seconds = time.perf_counter() - start
    print(json.dumps({"setting": setting.name, "rows": len(pairs),
                      "seconds": seconds, "rows_per_sec": len(pairs) / seconds}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
