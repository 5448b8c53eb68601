"""Real pretrained weights: MiniLM fine-tuned on real MRPC through run_classifier.py.

One epoch (lr 5e-5, batch 32, seq 128: 114 steps, a few minutes on 2 cores).
The reference script reaches 72.1% dev accuracy with this setting; the majority
class is 68.4%.
"""

import os

from conftest import GLUE, run_classifier


def test_minilm_one_epoch_on_mrpc(minilm_dir, tmp_path):
    output_dir = str(tmp_path / "mrpc")
    process = run_classifier(
        "--task_name=MRPC", "--do_train=true", "--do_eval=true",
        "--data_dir=" + os.path.join(GLUE, "MRPC"),
        "--vocab_file=" + os.path.join(minilm_dir, "vocab.txt"),
        "--bert_config_file=" + os.path.join(minilm_dir, "bert_config.json"),
        "--init_checkpoint=" + os.path.join(minilm_dir, "bert_model.ckpt"),
        "--max_seq_length=128", "--train_batch_size=32", "--learning_rate=5e-5",
        "--num_train_epochs=1.0", "--output_dir=" + output_dir)
    assert "Num steps = 114" in process.stderr
    with open(os.path.join(output_dir, "eval_results.txt")) as reader:
        results = dict(line.split(" = ") for line in reader.read().splitlines())
    print("MRPC dev after 1 epoch:", results)
    assert results["global_step"] == "114"
    assert float(results["eval_accuracy"]) >= 0.70
