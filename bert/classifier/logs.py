"""The run's log: each line once, in absl's format, at --verbosity.

TensorFlow's Python logger prints through its own handler and again through
absl's; here it keeps only absl's. The default verbosity is INFO (the
reference's); --verbosity=1 (DEBUG) also shows TensorFlow's deprecation
notices, the sessions' and Estimator's bookkeeping and the per-variable
checkpoint lines, which a user of this tool can do nothing about.
"""

import logging

from absl import logging as absl_logging
import tensorflow as tf

# (module, message start) of TensorFlow notices about its own API, and of
# the steps a session or an Estimator logs on its way (their outcomes, such
# as "Saving checkpoints for N", stay).
UNACTIONABLE_NOTICES = (
    ("deprecation", ""),
    ("module_wrapper", ""),
    ("estimator", "Estimator's model_fn"),
    ("saver", "Saver is deprecated"),
    ("estimator", "Calling model_fn"),
    ("estimator", "Done calling model_fn"),
    ("tpu_estimator", "Running "),
    ("error_handling", "training_loop marked as finished"),
    ("error_handling", "evaluation_loop marked as finished"),
    ("error_handling", "prediction_loop marked as finished"),
    ("monitored_session", "Graph was finalized"),
    ("session_manager", "Running local_init_op"),
    ("session_manager", "Done running local_init_op"),
    ("basic_session_run_hooks", "Calling checkpoint listeners"),
    ("basic_session_run_hooks", "Create CheckpointSaverHook"),
)


class _HideUnactionableNotices(logging.Filter):
    def filter(self, record):
        for module, start in UNACTIONABLE_NOTICES:
            if record.module == module and record.getMessage().startswith(start):
                return False
        return True


def configure(verbosity_given):
    """Routes TensorFlow's log through absl's handler alone; INFO unless
    --verbosity was given."""
    if not verbosity_given:
        absl_logging.set_verbosity(absl_logging.INFO)
    tf_logger = tf.get_logger()
    for handler in list(tf_logger.handlers):
        tf_logger.removeHandler(handler)
    tf_logger.setLevel(logging.NOTSET)
    tf_logger.propagate = True
    if not absl_logging.level_debug():
        tf_logger.addFilter(_HideUnactionableNotices())
