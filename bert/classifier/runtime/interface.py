"""The one interface of the runtimes (estimator_runtime.py, session.py,
function.py): what the phases call, whichever runtime drives the model."""

import abc


class Runtime(abc.ABC):
    """Trains, evaluates and predicts with one model function in one model
    folder (model_dir), as Estimator does."""

    model_dir = None

    @abc.abstractmethod
    def train(self, input_fn, max_steps, listeners=()):
        """Trains from model_dir's latest checkpoint (else the start) up to
        global step max_steps, saving checkpoints; listeners
        (progress.StepListener: progress.TrainingProgress,
        divergence.DivergenceWatch) are told of the steps."""

    @abc.abstractmethod
    def evaluate(self, input_fn, steps=None, name=None, progress=None):
        """The metrics of model_dir's latest checkpoint over input_fn (steps
        batches, or until it ends) as a dict with global_step; name tells an
        extra dev set's events apart; progress (a RowProgress) is told of
        each batch."""

    @abc.abstractmethod
    def predict(self, input_fn):
        """Yields one dict of outputs per example of input_fn, with model_dir's
        latest checkpoint."""

    @abc.abstractmethod
    def latest_checkpoint(self):
        """model_dir's latest checkpoint (its `checkpoint` file), or None."""
