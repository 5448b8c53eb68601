"""In-graph evaluation metrics (tf.compat.v1.metrics, so they also run on TPU)."""

import tensorflow as tf

tf1 = tf.compat.v1


def accuracy_and_loss(per_example_loss, label_ids, logits, is_real_example):
    """eval_accuracy and eval_loss, weighted so padding examples count for nothing."""
    predictions = tf.argmax(logits, axis=-1, output_type=tf.int32)
    return {
        "eval_accuracy": tf1.metrics.accuracy(
            labels=label_ids, predictions=predictions, weights=is_real_example),
        "eval_loss": tf1.metrics.mean(
            values=per_example_loss, weights=is_real_example),
    }
