"""A tiny BERT classifier for the runtimes' tests: its features, its model
function, a session runtime over it, and the checks every runtime's
evaluation and prediction must pass."""

import glob

import numpy as np
import pytest
import tensorflow as tf

from bert import modeling
from bert.classifier import metrics
from bert.classifier.data.features import InputFeatures
from bert.classifier.data.input_pipeline import input_fn_builder
from bert.classifier.model_fn import ModelOptions, spec_fn_builder
from bert.classifier.progress import RowProgress, StepListener
from bert.classifier.runtime.session import SessionRuntime
from helpers import tiny_config_dict

SEQ_LENGTH = 8
BATCH_SIZE = 4


def tiny_features(count):
    rng = np.random.RandomState(1)
    features = []
    for index in range(count):
        length = 3 + index % 5
        ids = [int(i) for i in rng.randint(1, 99, length)]
        pad = [0] * (SEQ_LENGTH - length)
        features.append(InputFeatures(ids + pad, [1] * length + pad,
                                      [0] * SEQ_LENGTH, index % 2))
    return features


def tiny_spec_fn(vocab_size=99, **options):
    """The model function of a tiny BERT classifier, 10 planned steps;
    options are ModelOptions'."""
    config = modeling.BertConfig.from_dict(tiny_config_dict(vocab_size=vocab_size))
    return spec_fn_builder(
        config, num_labels=2, init_checkpoint=None, learning_rate=1e-3,
        num_train_steps=10, num_warmup_steps=0, use_tpu=False,
        use_one_hot_embeddings=False,
        metric_fn=metrics.metric_fn_builder(("accuracy", "f1"), False),
        options=ModelOptions(**options))


class Steps(StepListener):
    """Records what the runtime tells a listener."""

    def __init__(self):
        self.calls = []

    def start(self, step):
        self.calls.append(("start", step))

    def record(self, step, loss, learning_rate):
        self.calls.append(("record", step))
        assert 0.0 < loss < 2.0
        # The step's rate: linear decay over 10 steps, read before the step.
        assert learning_rate == pytest.approx(1e-3 * (1 - (step - 1) / 10.0),
                                              rel=1e-5)

    def finish(self, step):
        self.calls.append(("finish", step))


def make_session_runtime(model_dir, **options):
    return SessionRuntime(tiny_spec_fn(), str(model_dir), BATCH_SIZE, BATCH_SIZE,
                          BATCH_SIZE, random_seed=3, **options)


def steps_of(model_dir):
    """The steps of the checkpoints kept in model_dir."""
    state = tf.train.get_checkpoint_state(str(model_dir))
    return sorted(int(path.rsplit("-", 1)[1])
                  for path in state.all_model_checkpoint_paths)


def check_evaluate_and_predict(runtime, features, model_dir, global_step):
    """evaluate's keys and accuracy against predict's probabilities, steps,
    the event folders: the same for every runtime."""
    evaluation = input_fn_builder(features, SEQ_LENGTH, False, False)
    progress = RowProgress("evaluation", len(features), BATCH_SIZE)
    result = runtime.evaluate(evaluation, progress=progress)
    assert progress.rows == len(features)  # told of every batch
    assert sorted(result) == ["eval_accuracy", "eval_f1", "eval_loss",
                              "global_step", "loss"]
    assert result["global_step"] == global_step
    predictions = list(runtime.predict(evaluation))
    assert len(predictions) == len(features)
    probabilities = np.array([p["probabilities"] for p in predictions])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    labels = np.array([f.label_id for f in features])
    accuracy = np.mean(np.argmax(probabilities, axis=1) == labels)
    assert result["eval_accuracy"] == pytest.approx(accuracy)
    # steps limits the batches: the first batch of 4 alone.
    first = runtime.evaluate(evaluation, steps=1, name="first")
    assert first["eval_accuracy"] == pytest.approx(
        np.mean(np.argmax(probabilities[:4], axis=1) == labels[:4]))
    for folder in ("eval", "eval_first"):
        assert glob.glob(str(model_dir / folder / "events.out.tfevents.*"))
