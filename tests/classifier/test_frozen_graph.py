"""classifier/frozen_graph.py: the same outputs, from constants cast once."""

import numpy as np
import tensorflow as tf

from bert.classifier import frozen_graph

tf1 = tf.compat.v1


def test_a_frozen_graph_computes_the_same_with_its_weights_cast_once():
    rng = np.random.RandomState(0)
    with tf.Graph().as_default() as graph:
        rows = tf1.placeholder(tf.float32, [None, 8], name="rows")
        kernel = tf1.get_variable("kernel", [8, 4])
        bias = tf1.get_variable("bias", [4])
        product = tf.matmul(tf.cast(rows, tf.bfloat16), tf.cast(kernel, tf.bfloat16))
        output = tf.nn.bias_add(tf.cast(product, tf.float32), bias)
        keys = tf.constant(["a", "b"])
        table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(keys, tf.constant([1, 2])), -1)
        looked_up = table.lookup(tf1.placeholder(tf.string, [None], name="words"))
        init_op = tf1.tables_initializer()
        session = tf1.Session(graph=graph)
        session.run(tf1.global_variables_initializer())
        session.run(kernel.assign(rng.normal(size=[8, 4]).astype(np.float32)))
        feed = rng.normal(size=[3, 8]).astype(np.float32)
        expected = session.run(output, {rows: feed})

    frozen, (fetches, frozen_init) = frozen_graph.freeze(
        session, ({"output": output, "looked_up": looked_up}, init_op))
    session.close()
    with frozen:
        frozen.run(frozen_init)
        got = frozen.run(fetches["output"], {"rows:0": feed})
        words = frozen.run(fetches["looked_up"], {"words:0": ["b", "c", "a"]})
    np.testing.assert_array_equal(got, expected)
    assert words.tolist() == [2, -1, 1]
    nodes = {node.name: node for node in frozen.graph.as_graph_def().node}
    assert not [node for node in nodes.values() if "Variable" in node.op]
    product_inputs = [name.split(":")[0] for name in nodes[product.op.name].input]
    assert [nodes[name].op for name in product_inputs] == ["Cast", "Const"]
    assert nodes[product_inputs[1]].attr["dtype"].type == tf.bfloat16.as_datatype_enum
