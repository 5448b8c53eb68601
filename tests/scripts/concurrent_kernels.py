"""Runs copies of one fused kernel side by side, in new sessions: what killed
the process on TensorFlow 2.21 (fused_kernels' docstring says why).

    python tests/scripts/concurrent_kernels.py SESSIONS COPIES

One graph holds COPIES independent attention-dropout kernels of one shape, so
the compiled kernel has COPIES callers; each of SESSIONS new sessions compiles
it anew and runs every copy at once (an inter-op thread per copy). Prints
"ran N sessions" and exits 0 when no run crashed.
"""

import os
import sys

import numpy as np
import tensorflow as tf

# The repository, two folders up, before any installed bert.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

from bert import fused_kernels  # noqa: E402

tf1 = tf.compat.v1


def main(sessions, copies):
    with tf.Graph().as_default():
        scores = tf1.placeholder(tf.float32, [8, 4, 32, 32])
        probabilities = [
            fused_kernels.attention_probabilities(scores, 1.0, None, 0.1)
            for _ in range(copies)]
        feed = {scores: np.zeros([8, 4, 32, 32], np.float32)}
        config = tf1.ConfigProto(inter_op_parallelism_threads=copies)
        for _ in range(sessions):
            with tf1.Session(config=config) as session:
                session.run(probabilities, feed)
    print("ran %d sessions" % sessions)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
