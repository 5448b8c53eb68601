"""Fine-tunes BERT for sentence (pair) classification: train, eval and predict.

Runs on CPU, GPU or Cloud TPU (--use_tpu). Same flags and result files as the
script released with BERT; see docs/ for the flags, tasks and outputs.
This module defines the flags (classifier/cli.py) and hands them, as one
RunConfig, to classifier/runner.py; it also re-exports the reference's Python
API. The command: `run_classifier` once installed, `python run_classifier.py`
in a clone, `python -m bert.run_classifier`.
"""

from bert.classifier import startup

# TensorFlow's C++ start-up notices (CUDA, CPU features) say nothing a user
# acts on; TF_CPP_MIN_LOG_LEVEL=0 brings them back.
startup.start_tensorflow()

from absl import flags  # noqa: E402

from bert.classifier import cli, logs, runner  # noqa: E402
from bert.classifier.runtime.distribution import ClusterError  # noqa: E402
from bert.classifier.divergence import TrainingDivergedError  # noqa: E402
from bert.classifier.data.features import (  # noqa: E402
    InputFeatures, PaddingInputExample, convert_examples_to_features,
    convert_single_example, file_based_convert_examples_to_features)
from bert.classifier.data.input_pipeline import (  # noqa: E402
    file_based_input_fn_builder, input_fn_builder)
from bert.classifier.model_fn import create_model  # noqa: E402
from bert.classifier.runtime.estimator_runtime import model_fn_builder  # noqa: E402
from bert.classifier.run_config import RunConfig  # noqa: E402
from bert.errors import reported_errors  # noqa: E402
from bert.processors import (  # noqa: E402
    ColaProcessor, DataProcessor, InputExample, MnliProcessor,
    MrpcProcessor, XnliProcessor)

# The reference's Python API: notebooks import these from here.
__all__ = [
    "ColaProcessor", "DataProcessor", "InputExample", "InputFeatures",
    "MnliProcessor", "MrpcProcessor", "PaddingInputExample", "XnliProcessor",
    "convert_examples_to_features", "convert_single_example", "create_model",
    "file_based_convert_examples_to_features", "file_based_input_fn_builder",
    "input_fn_builder", "model_fn_builder",
]

FLAGS = flags.FLAGS
cli.define_flags(FLAGS, __name__)
for _required in cli.REQUIRED:
    flags.mark_flag_as_required(_required)


def main(_):
    logs.configure(verbosity_given=FLAGS["verbosity"].present)
    with reported_errors("run_classifier", TrainingDivergedError, ClusterError,
                         traceback_dir=FLAGS.output_dir):
        runner.run(RunConfig.from_flags(FLAGS))


def command():
    """The run_classifier command."""
    cli.run_command(main, __name__)


if __name__ == "__main__":
    command()
