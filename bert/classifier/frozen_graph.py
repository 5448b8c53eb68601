"""Inference graphs with the weights as constants, cast once.

A graph that computes in bf16 (or fp16) holds float32 variables and casts
each weight to the product's type on every batch: a sixth of a bf16 MiniLM
batch's op time on CPU, and oneDNN cannot keep a weight it is handed anew in
the layout its products want. freeze() gives a copy of the graph where the
variables are constants and every cast of a constant is done already, so
the products read their weights ready-made. The values are the kernels'
own (the casts run in TensorFlow once), so the outputs are the same, but
for the last bit where oneDNN sums a product of constants in another order.
"""

import tensorflow as tf

tf1 = tf.compat.v1


def freeze(session, fetches):
    """(session, fetches) of a new graph that computes `fetches` (a nest of
    tensors and operations of session's graph, e.g. signature tensors and an
    init op) with the variables' values in `session` as constants."""
    names = sorted({item.op.name if isinstance(item, tf.Tensor) else item.name
                    for item in tf.nest.flatten(fetches)})
    graph_def = tf1.graph_util.convert_variables_to_constants(
        session, session.graph.as_graph_def(), names)
    graph_def = _fold_constant_casts(graph_def, names)
    graph = tf.Graph()
    with graph.as_default():
        tf1.import_graph_def(graph_def, name="")

    def in_new_graph(item):
        if isinstance(item, tf.Tensor):
            return graph.get_tensor_by_name(item.name)
        return graph.get_operation_by_name(item.name)
    return tf1.Session(graph=graph), tf.nest.map_structure(in_new_graph, fetches)


def _source(input_name):
    """The node name of a GraphDef input ("name:1" and "^name" -> "name")."""
    return input_name.lstrip("^").split(":")[0]


def _fold_constant_casts(graph_def, keep):
    """graph_def with each Cast of a constant (a Const with no control input,
    through Identity and Cast nodes) replaced by a Const of its output,
    computed by TensorFlow's Cast; then only what `keep` (node names) needs."""
    nodes = {node.name: node for node in graph_def.node}

    def constant(node):
        if node.op == "Const":
            return not node.input  # a Const in a branch waits for its switch
        return (node.op in ("Identity", "Cast") and len(node.input) == 1
                and constant(nodes[_source(node.input[0])]))

    casts = [node for node in graph_def.node
             if node.op == "Cast" and constant(node)]
    if not casts:
        return graph_def
    values = _CastKernels().values(casts, nodes)
    for node, value in zip(casts, values):
        node.op = "Const"
        node.ClearField("input")
        node.ClearField("attr")
        node.attr["dtype"].type = tf.as_dtype(value.dtype).as_datatype_enum
        node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value))
    return tf1.graph_util.extract_sub_graph(graph_def, keep)


class _CastKernels(object):
    """Runs TensorFlow's Cast kernel on numpy values, in a graph of one
    placeholder and Cast per kind of cast: the model's graph, with its
    weights, is not imported again (that took seconds for MiniLM)."""

    def __init__(self):
        self._graph = tf.Graph()
        self._session = tf1.Session(graph=self._graph)
        self._casts = {}

    def values(self, casts, nodes):
        """The output of each Cast node in casts (of a constant through
        Identity and Cast nodes; nodes: the GraphDef's, by name)."""
        with self._session:
            return [self._value(node, nodes) for node in casts]

    def _value(self, node, nodes):
        if node.op == "Const":
            return tf.make_ndarray(node.attr["value"].tensor)
        value = self._value(nodes[_source(node.input[0])], nodes)
        if node.op == "Identity":
            return value
        kind = (node.attr["SrcT"].type, node.attr["DstT"].type,
                node.attr["Truncate"].b)
        if kind not in self._casts:
            with self._graph.as_default():
                source = tf1.placeholder(tf.as_dtype(kind[0]))
                self._casts[kind] = source, tf.raw_ops.Cast(
                    x=source, DstT=tf.as_dtype(kind[1]), Truncate=kind[2])
        source, cast = self._casts[kind]
        return self._session.run(cast, {source: value})
