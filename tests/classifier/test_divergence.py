"""classifier/divergence.py: a non-finite loss fails its step, naming it."""

import numpy as np
import pytest
import tensorflow as tf

from bert.classifier.divergence import (DivergenceWatch, TrainingDivergedError,
                                        guard_loss, is_divergence)
from bert.classifier.runtime.listener_hook import ListenerHook

tf1 = tf.compat.v1


def test_the_step_with_a_nan_loss_fails_before_the_update():
    with tf.Graph().as_default():
        global_step = tf1.train.get_or_create_global_step()
        w = tf1.get_variable("w", initializer=np.float32(1.0))
        # The loss turns infinite at the third step (log of 0).
        loss = guard_loss(tf.math.log(2.0 - tf.cast(global_step, tf.float32)) * w)
        with tf.control_dependencies([loss]):
            train_op = tf.group(w.assign_add(1.0), global_step.assign_add(1))
        watch = DivergenceWatch()
        with tf1.train.MonitoredSession(hooks=[ListenerHook([watch])]) as session:
            session.run(train_op)
            session.run(train_op)
            with pytest.raises(tf.errors.InvalidArgumentError) as error_info:
                session.run(train_op)
            assert session.run(w) == 3.0  # the failed step changed nothing
        assert is_divergence(error_info.value)
        error = watch.error()
        assert isinstance(error, TrainingDivergedError)
        assert "at step 3" in str(error)


def test_other_errors_are_not_divergence():
    assert not is_divergence(tf.errors.InvalidArgumentError(None, None, "shape"))
    assert not is_divergence(ValueError("loss is not finite"))
