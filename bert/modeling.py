"""The BERT encoder in tf.compat.v1 graph style, with the released variable names.

`BertModel` builds embeddings, a stack of Transformer layers and the pooler
under the scope `bert/`, so that released checkpoints load unchanged.
"""

import collections
import copy
import json
import math
import re

import tensorflow as tf

from bert import fused_kernels as kernels

tf1 = tf.compat.v1

# Keys every bert_config.json must have, with the Python types they take.
REQUIRED_CONFIG_KEYS = {
    "vocab_size": int,
    "hidden_size": int,
    "num_hidden_layers": int,
    "num_attention_heads": int,
    "intermediate_size": int,
    "hidden_act": str,
    "hidden_dropout_prob": float,
    "attention_probs_dropout_prob": float,
    "max_position_embeddings": int,
    "type_vocab_size": int,
    "initializer_range": float,
}

LAYER_NORM_EPSILON = 1e-12
ATTENTION_MASK_ADDER = -10000.0


class BertConfig(object):
    """Hyper-parameters of a BertModel; extra keys of released configs are kept."""

    def __init__(self,
                 vocab_size,
                 hidden_size=768,
                 num_hidden_layers=12,
                 num_attention_heads=12,
                 intermediate_size=3072,
                 hidden_act="gelu",
                 hidden_dropout_prob=0.1,
                 attention_probs_dropout_prob=0.1,
                 max_position_embeddings=512,
                 type_vocab_size=16,
                 initializer_range=0.02):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range

    @classmethod
    def from_dict(cls, json_object):
        """Builds a config from a dict; unknown keys are kept as attributes."""
        config = BertConfig(vocab_size=None)
        for key, value in json_object.items():
            config.__dict__[key] = value
        return config

    @classmethod
    def from_json_file(cls, json_file):
        """Reads a bert_config.json; a missing or wrongly typed key is a ValueError."""
        with tf.io.gfile.GFile(json_file, "r") as reader:
            text = reader.read()
        try:
            values = json.loads(text)
        except ValueError as error:
            raise ValueError("%s is not valid JSON: %s" % (json_file, error))
        if not isinstance(values, dict):
            raise ValueError("%s must hold a JSON object" % json_file)
        for key, expected_type in REQUIRED_CONFIG_KEYS.items():
            if key not in values:
                raise ValueError(
                    "%s: missing key %r: use the bert_config.json released with "
                    "the checkpoint" % (json_file, key))
            if not _has_type(values[key], expected_type):
                raise ValueError(
                    "%s: key %r is %r, expected a %s"
                    % (json_file, key, values[key], expected_type.__name__))
        return cls.from_dict(values)

    def to_dict(self):
        return copy.deepcopy(self.__dict__)

    def to_json_string(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"


def _has_type(value, expected_type):
    if isinstance(value, bool):
        return False
    if expected_type is float:
        return isinstance(value, (int, float))
    return isinstance(value, expected_type)


class BertModel(object):
    """BERT: embeddings, Transformer encoder and the [CLS] pooler.

    input_ids, input_mask and token_type_ids are int32 [batch, seq_length];
    seq_length may be unknown in the graph (dynamic padding). compute_dtype
    tf.bfloat16 or tf.float16 runs the encoder's matrix products in that type;
    variables, LayerNorm, softmax and the outputs stay float32. fused_kernels
    computes the encoder's elementwise work with fused_kernels.py in a
    training graph; in one that does not train (is_training False) it builds
    the encoder's GELU and LayerNorm in the forms TensorFlow's oneDNN rewrite
    fuses (see inference_activation and fusable_layer_norm): the same
    outputs up to rounding, and no per-shape compiling for inference's
    batches of every length.
    cls_only_last_layer: the pooler reads the last layer as computed for
    [CLS] alone (queries, attention output and feed-forward on one row per
    example): the same pooled output up to rounding, for a fraction of the
    last layer's work where nothing else is run. The sequence output is still
    the whole last layer, computed when something needs it.
    """

    def __init__(self,
                 config,
                 is_training,
                 input_ids,
                 input_mask=None,
                 token_type_ids=None,
                 use_one_hot_embeddings=False,
                 scope=None,
                 compute_dtype=tf.float32,
                 fused_kernels=False,
                 cls_only_last_layer=False):
        config = copy.deepcopy(config)
        if not is_training:
            config.hidden_dropout_prob = 0.0
            config.attention_probs_dropout_prob = 0.0
        activation = get_activation(config.hidden_act)
        if is_training and compute_dtype != tf.float32:
            # A speed path (bf16, fp16): GELU's gradient written out. The
            # float32 graph takes the formula's gradient, as the release's.
            activation = training_activation(activation)
        layer_norm_fn = layer_norm
        if fused_kernels and not is_training:
            activation = inference_activation(activation)
            layer_norm_fn = fusable_layer_norm
            fused_kernels = False

        assert_rank(input_ids, 2, "input_ids")
        if input_mask is None:
            input_mask = tf.ones_like(input_ids, dtype=tf.int32)
        if token_type_ids is None:
            token_type_ids = tf.zeros_like(input_ids, dtype=tf.int32)

        with tf1.variable_scope(scope, default_name="bert"):
            with tf1.variable_scope("embeddings"):
                word_output, self.embedding_table = embedding_lookup(
                    input_ids,
                    vocab_size=config.vocab_size,
                    embedding_size=config.hidden_size,
                    initializer_range=config.initializer_range,
                    use_one_hot_embeddings=use_one_hot_embeddings)
                self.embedding_output = embedding_postprocessor(
                    word_output,
                    use_token_type=True,
                    token_type_ids=token_type_ids,
                    token_type_vocab_size=config.type_vocab_size,
                    initializer_range=config.initializer_range,
                    max_position_embeddings=config.max_position_embeddings,
                    dropout_prob=config.hidden_dropout_prob)

            with tf1.variable_scope("encoder"):
                attention_mask = create_attention_mask_from_input_mask(
                    input_ids, input_mask)
                self.all_encoder_layers, cls_output = _encoder(
                    self.embedding_output, attention_mask,
                    config.num_hidden_layers, _LayerSettings(
                        config.hidden_size, config.num_attention_heads,
                        config.intermediate_size, activation,
                        config.hidden_dropout_prob,
                        config.attention_probs_dropout_prob,
                        config.initializer_range, compute_dtype, fused_kernels,
                        layer_norm_fn),
                    cls_only_last_layer)
            self.sequence_output = self.all_encoder_layers[-1]

            with tf1.variable_scope("pooler"):
                first_token = (self.sequence_output[:, 0, :] if cls_output is None
                               else cls_output)
                self.pooled_output = dense(
                    first_token, config.hidden_size, "dense",
                    config.initializer_range, activation=tf.tanh)

    def get_pooled_output(self):
        """The [CLS] vector after dense + tanh: [batch, hidden]."""
        return self.pooled_output

    def get_sequence_output(self):
        """The last encoder layer: [batch, seq_length, hidden]."""
        return self.sequence_output

    def get_all_encoder_layers(self):
        return self.all_encoder_layers

    def get_embedding_output(self):
        """Word + token-type + position embeddings after LayerNorm and dropout."""
        return self.embedding_output

    def get_embedding_table(self):
        return self.embedding_table


def variable_shapes(config):
    """The name -> shape of every variable a BertModel with `config` holds."""
    hidden = config.hidden_size
    shapes = {
        "bert/embeddings/word_embeddings": [config.vocab_size, hidden],
        "bert/embeddings/token_type_embeddings": [config.type_vocab_size, hidden],
        "bert/embeddings/position_embeddings": [
            config.max_position_embeddings, hidden],
        "bert/embeddings/LayerNorm/beta": [hidden],
        "bert/embeddings/LayerNorm/gamma": [hidden],
        "bert/pooler/dense/kernel": [hidden, hidden],
        "bert/pooler/dense/bias": [hidden],
    }
    for index in range(config.num_hidden_layers):
        layer = "bert/encoder/layer_%d/" % index
        for dense_name, (fan_in, fan_out) in (
                ("attention/self/query", (hidden, hidden)),
                ("attention/self/key", (hidden, hidden)),
                ("attention/self/value", (hidden, hidden)),
                ("attention/output/dense", (hidden, hidden)),
                ("intermediate/dense", (hidden, config.intermediate_size)),
                ("output/dense", (config.intermediate_size, hidden))):
            shapes[layer + dense_name + "/kernel"] = [fan_in, fan_out]
            shapes[layer + dense_name + "/bias"] = [fan_out]
        for norm in ("attention/output/LayerNorm", "output/LayerNorm"):
            shapes[layer + norm + "/beta"] = [hidden]
            shapes[layer + norm + "/gamma"] = [hidden]
    return shapes


GELU_SCALE = math.sqrt(2.0 / math.pi)
GELU_CUBIC = 0.044715


def gelu(x):
    """Gaussian Error Linear Unit, a smoother version of the RELU.

    Original paper: https://arxiv.org/abs/1606.08415 (the tanh approximation).

    Args:
      x: float Tensor to perform activation.

    Returns:
      `x` with the GELU activation applied.
    """
    return x * _gelu_cdf(x)


def _gelu_cdf(x):
    """0.5 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * (1.0 + tf.tanh(GELU_SCALE * (x + GELU_CUBIC * tf.pow(x, 3))))


@tf.custom_gradient
def gelu_with_written_gradient(x):
    """gelu(x) for graphs that train: the same output, with the gradient
    written out, 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715
    x^2) with t the tanh above, reusing t: about half the elementwise passes
    of differentiating the formula op by op. BertModel uses it to train in
    bfloat16 or float16; a float32 graph, and one that takes no gradient,
    keep plain gelu (its forward side is ops that only the gradient needs)."""
    cdf = _gelu_cdf(x)
    tanh = 2.0 * cdf - 1.0

    def gradient(upstream):
        x_squared = tf.square(x)
        slope = cdf + 0.5 * x * (1.0 - tf.square(tanh)) * GELU_SCALE * (
            1.0 + 3.0 * GELU_CUBIC * x_squared)
        return upstream * slope

    return x * cdf, gradient


def gelu_fusable(x):
    """gelu(x) built as tf.nn.gelu's tanh form, which TensorFlow's oneDNN
    rewrite fuses with the matrix product and bias before it into one
    kernel; the same function, other rounding. For graphs that do not train."""
    return tf.nn.gelu(x, approximate=True)


def inference_activation(activation):
    """The activation to build a fused inference graph with: gelu_fusable
    for gelu, any other activation as it is."""
    return gelu_fusable if activation is gelu else activation


def training_activation(activation):
    """The activation to build a training graph with: gelu's written-out
    gradient for gelu, any other activation as it is."""
    return gelu_with_written_gradient if activation is gelu else activation


def get_activation(activation_string):
    """Maps a config's hidden_act name to a function (None for linear)."""
    if not isinstance(activation_string, str):
        return activation_string
    name = activation_string.lower()
    if not name:
        return None
    activations = {"linear": None, "relu": tf.nn.relu, "gelu": gelu,
                   "tanh": tf.tanh}
    if name not in activations:
        raise ValueError("Unsupported activation: %r (use one of %s)"
                         % (activation_string, ", ".join(activations)))
    return activations[name]


def get_assignment_map_from_checkpoint(tvars, init_checkpoint):
    """Maps every variable in tvars whose name is in the checkpoint to itself.

    Returns (assignment_map, initialized_variable_names); the latter holds each
    name both with and without the ":0" suffix.
    """
    name_to_variable = collections.OrderedDict()
    for var in tvars:
        name = re.sub(r":\d+$", "", var.name)
        name_to_variable[name] = var
    assignment_map = collections.OrderedDict()
    initialized_variable_names = {}
    for name, _ in tf.train.list_variables(init_checkpoint):
        if name not in name_to_variable:
            continue
        assignment_map[name] = name
        initialized_variable_names[name] = 1
        initialized_variable_names[name + ":0"] = 1
    return assignment_map, initialized_variable_names


def dropout(input_tensor, dropout_prob):
    """Dropout with drop probability dropout_prob (no-op for None or 0)."""
    if dropout_prob is None or dropout_prob == 0.0:
        return input_tensor
    return tf.nn.dropout(input_tensor, rate=dropout_prob)


def layer_norm(input_tensor, name=None):
    """LayerNorm over the last axis with variables `<name>/beta` and `<name>/gamma`."""
    with tf1.variable_scope(name, default_name="LayerNorm"):
        beta, gamma = _layer_norm_variables(input_tensor.shape[-1])
        mean, variance = tf.nn.moments(input_tensor, axes=[-1], keepdims=True)
        scale = tf.math.rsqrt(variance + LAYER_NORM_EPSILON) * gamma
        return input_tensor * scale + (beta - mean * scale)


def fusable_layer_norm(input_tensor, name=None):
    """layer_norm(input_tensor, name), the same variables and outputs up to
    rounding, built as a batch norm over rows (each row a channel) that
    TensorFlow's oneDNN rewrite turns into one LayerNorm kernel. For graphs
    that do not train."""
    with tf1.variable_scope(name, default_name="LayerNorm"):
        depth = input_tensor.shape[-1]
        beta, gamma = _layer_norm_variables(depth)
        rows = tf.shape(input_tensor)[0]
        normalized, _, _ = tf1.nn.fused_batch_norm(
            tf.reshape(input_tensor, [1, rows, depth, 1]),
            tf.ones([rows]), tf.zeros([rows]), epsilon=LAYER_NORM_EPSILON,
            data_format="NCHW")
        return tf.reshape(normalized, [rows, depth]) * gamma + beta


def _layer_norm_variables(depth):
    beta = tf1.get_variable("beta", [depth], initializer=tf1.zeros_initializer())
    gamma = tf1.get_variable("gamma", [depth], initializer=tf1.ones_initializer())
    return beta, gamma


def layer_norm_and_dropout(input_tensor, dropout_prob, name=None):
    return dropout(layer_norm(input_tensor, name), dropout_prob)


def create_initializer(initializer_range=0.02):
    return tf1.truncated_normal_initializer(stddev=initializer_range)


def _output_layer_norm(input_tensor, residual, units, initializer_range,
                       dropout_prob, compute_dtype, fused, layer_norm_fn=layer_norm):
    """(output, the output as the next products read it): output =
    layer_norm_fn(dropout(dense(input_tensor)) + residual) in float32, with
    variables dense/ and LayerNorm/ ([rows, units] tensors); fused: bias,
    dropout, sum and LayerNorm in one kernel, which in bf16/fp16 also gives
    the output's copy in that type (else the output itself is returned
    twice)."""
    if not fused:
        output = dense(input_tensor, units, "dense", initializer_range,
                       compute_dtype=compute_dtype)
        output = layer_norm_fn(
            dropout(tf.cast(output, tf.float32), dropout_prob) + residual)
        return output, output
    with tf1.variable_scope("dense"):
        product, bias = _product_and_bias(input_tensor, units, initializer_range,
                                          compute_dtype)
    with tf1.variable_scope("LayerNorm"):
        beta, gamma = _layer_norm_variables(units)
    if compute_dtype == tf.float32:
        output = kernels.bias_dropout_add_layer_norm(
            product, bias, residual, dropout_prob, gamma, beta,
            LAYER_NORM_EPSILON)
        return output, output
    return kernels.bias_dropout_add_layer_norm(
        product, bias, residual, dropout_prob, gamma, beta, LAYER_NORM_EPSILON,
        copy_dtype=compute_dtype)


def _intermediate(input_tensor, units, initializer_range, activation,
                  compute_dtype, fused):
    """activation(dense(input_tensor)) with variables dense/; fused (for the
    tanh GELU): bias and GELU in one kernel."""
    if not (fused and activation in (gelu, gelu_with_written_gradient)):
        return dense(input_tensor, units, "dense", initializer_range,
                     activation=activation, compute_dtype=compute_dtype)
    with tf1.variable_scope("dense"):
        product, bias = _product_and_bias(input_tensor, units, initializer_range,
                                          compute_dtype)
    return kernels.bias_gelu(product, bias, GELU_SCALE, GELU_CUBIC)


def _product_and_bias(input_tensor, units, initializer_range, compute_dtype):
    """(input @ kernel in compute_dtype, the float32 bias): a dense layer's
    product and bias, with variables `kernel` and `bias` in the current scope."""
    kernel = tf1.get_variable("kernel", [input_tensor.shape[-1], units],
                              initializer=create_initializer(initializer_range))
    bias = tf1.get_variable("bias", [units], initializer=tf1.zeros_initializer())
    if compute_dtype != tf.float32:
        input_tensor = tf.cast(input_tensor, compute_dtype)
        kernel = tf.cast(kernel, compute_dtype)
    return tf.matmul(input_tensor, kernel), bias


def dense(input_tensor, units, name, initializer_range, activation=None,
          compute_dtype=tf.float32):
    """input @ kernel + bias, with `<name>/kernel` [in, out] and `<name>/bias`.

    The variables are float32; with another compute_dtype the product is taken
    (and returned) in that type.
    """
    with tf1.variable_scope(name):
        product, bias = _product_and_bias(input_tensor, units, initializer_range,
                                          compute_dtype)
        output = tf.nn.bias_add(product, tf.cast(bias, compute_dtype))
        if activation is not None:
            output = activation(output)
        return output


def embedding_lookup(input_ids, vocab_size, embedding_size=128,
                     initializer_range=0.02, word_embedding_name="word_embeddings",
                     use_one_hot_embeddings=False):
    """Looks up word embeddings: (output, embedding_table).

    input_ids [batch, seq] give [batch, seq, embedding_size]; ids of rank 3
    [batch, seq, k] give [batch, seq, k * embedding_size]. With
    use_one_hot_embeddings the lookup is a one-hot matmul (fast on TPU).
    """
    if input_ids.shape.ndims == 2:
        input_ids = tf.expand_dims(input_ids, axis=[-1])
    embedding_table = tf1.get_variable(
        word_embedding_name, [vocab_size, embedding_size],
        initializer=create_initializer(initializer_range))
    flat_ids = tf.reshape(input_ids, [-1])
    if use_one_hot_embeddings:
        one_hot_ids = tf.one_hot(flat_ids, depth=vocab_size)
        flat_output = tf.matmul(one_hot_ids, embedding_table)
    else:
        flat_output = tf.gather(embedding_table, flat_ids)
    input_shape = get_shape_list(input_ids)
    output = tf.reshape(flat_output,
                        input_shape[:-1] + [input_shape[-1] * embedding_size])
    return output, embedding_table


def embedding_postprocessor(input_tensor,
                            use_token_type=False,
                            token_type_ids=None,
                            token_type_vocab_size=16,
                            token_type_embedding_name="token_type_embeddings",
                            use_position_embeddings=True,
                            position_embedding_name="position_embeddings",
                            initializer_range=0.02,
                            max_position_embeddings=512,
                            dropout_prob=0.1):
    """Adds token-type (if use_token_type) and position (if
    use_position_embeddings) embeddings to [batch, seq, width] word
    embeddings, then LayerNorm and dropout."""
    batch_size, seq_length, width = get_shape_list(input_tensor, expected_rank=3)
    output = input_tensor
    if use_token_type:
        if token_type_ids is None:
            raise ValueError("token_type_ids must be given when use_token_type "
                             "is True")
        token_type_table = tf1.get_variable(
            token_type_embedding_name, [token_type_vocab_size, width],
            initializer=create_initializer(initializer_range))
        flat_token_type_ids = tf.reshape(token_type_ids, [-1])
        one_hot_ids = tf.one_hot(flat_token_type_ids, depth=token_type_vocab_size)
        token_type_embeddings = tf.reshape(
            tf.matmul(one_hot_ids, token_type_table),
            [batch_size, seq_length, width])
        output += token_type_embeddings
    if use_position_embeddings:
        if isinstance(seq_length, int) and seq_length > max_position_embeddings:
            raise ValueError("sequence length %d exceeds max_position_embeddings %d"
                             % (seq_length, max_position_embeddings))
        full_position_embeddings = tf1.get_variable(
            position_embedding_name, [max_position_embeddings, width],
            initializer=create_initializer(initializer_range))
        position_embeddings = full_position_embeddings[:seq_length, :]
        output += tf.expand_dims(position_embeddings, 0)
    return layer_norm_and_dropout(output, dropout_prob)


def create_attention_mask_from_input_mask(from_tensor, to_mask):
    """[batch, from_seq(, ...)] x [batch, to_seq] mask -> float [batch,
    from_seq, to_seq]."""
    from_shape = get_shape_list(from_tensor, expected_rank=[2, 3])
    batch_size, from_seq_length = from_shape[0], from_shape[1]
    to_mask = tf.cast(tf.expand_dims(to_mask, 1), tf.float32)
    ones = tf.ones([batch_size, from_seq_length, 1], dtype=tf.float32)
    return ones * to_mask


def attention_layer(from_tensor,
                    to_tensor,
                    attention_mask=None,
                    num_attention_heads=1,
                    size_per_head=512,
                    query_act=None,
                    key_act=None,
                    value_act=None,
                    attention_probs_dropout_prob=0.0,
                    initializer_range=0.02,
                    do_return_2d_tensor=False,
                    batch_size=None,
                    from_seq_length=None,
                    to_seq_length=None,
                    compute_dtype=tf.float32,
                    fused_kernels=False):
    """Multi-head attention from from_tensor to to_tensor.

    The tensors are [batch, seq, width], or 2-D [batch*seq, width] together
    with batch_size, from_seq_length and to_seq_length. attention_mask is
    [batch, from_seq, to_seq] of 1 (attend) and 0. query_act, key_act and
    value_act are applied to the projections. Returns the context as
    [batch, from_seq, heads*size_per_head], or [batch*from_seq,
    heads*size_per_head] with do_return_2d_tensor; it is in compute_dtype,
    and the softmax is taken in float32 (with fused_kernels, as one kernel
    with the scaling, mask and dropout).
    """
    from_shape = get_shape_list(from_tensor, expected_rank=[2, 3])
    to_shape = get_shape_list(to_tensor, expected_rank=[2, 3])
    if len(from_shape) != len(to_shape):
        raise ValueError("from_tensor and to_tensor must have the same rank")
    if len(from_shape) == 3:
        batch_size, from_seq_length = from_shape[0], from_shape[1]
        to_seq_length = to_shape[1]
    elif None in (batch_size, from_seq_length, to_seq_length):
        raise ValueError("2-D from_tensor and to_tensor need batch_size, "
                         "from_seq_length and to_seq_length")

    def split_heads(tensor, seq_length):
        tensor = tf.reshape(
            tensor, [batch_size, seq_length, num_attention_heads, size_per_head])
        return tf.transpose(tensor, [0, 2, 1, 3])

    from_matrix = reshape_to_matrix(from_tensor)
    to_matrix = reshape_to_matrix(to_tensor)
    width = num_attention_heads * size_per_head
    query = dense(from_matrix, width, "query", initializer_range,
                  activation=query_act, compute_dtype=compute_dtype)
    key = dense(to_matrix, width, "key", initializer_range,
                activation=key_act, compute_dtype=compute_dtype)
    value = dense(to_matrix, width, "value", initializer_range,
                  activation=value_act, compute_dtype=compute_dtype)

    query = split_heads(query, from_seq_length)
    key = split_heads(key, to_seq_length)
    scores = tf.matmul(query, key, transpose_b=True)
    scale = 1.0 / math.sqrt(float(size_per_head))
    mask_adder = None
    if attention_mask is not None:
        mask = tf.expand_dims(attention_mask, axis=1)
        mask_adder = (1.0 - tf.cast(mask, tf.float32)) * ATTENTION_MASK_ADDER
    if fused_kernels:
        probs = kernels.attention_probabilities(
            scores, scale, mask_adder, attention_probs_dropout_prob)
    else:
        scores = tf.cast(scores, tf.float32) * scale
        if mask_adder is not None:
            scores += mask_adder
        probs = dropout(tf.nn.softmax(scores), attention_probs_dropout_prob)
        probs = tf.cast(probs, compute_dtype)

    value = split_heads(value, to_seq_length)
    context = tf.transpose(tf.matmul(probs, value), [0, 2, 1, 3])
    if do_return_2d_tensor:
        return tf.reshape(context, [batch_size * from_seq_length, width])
    return tf.reshape(context, [batch_size, from_seq_length, width])


def transformer_model(input_tensor,
                      attention_mask=None,
                      hidden_size=768,
                      num_hidden_layers=12,
                      num_attention_heads=12,
                      intermediate_size=3072,
                      intermediate_act_fn=gelu,
                      hidden_dropout_prob=0.1,
                      attention_probs_dropout_prob=0.1,
                      initializer_range=0.02,
                      do_return_all_layers=False,
                      compute_dtype=tf.float32,
                      fused_kernels=False):
    """The Transformer encoder stack over [batch, seq, hidden] input.

    Returns the last layer's [batch, seq, hidden] output, or the list of every
    layer's with do_return_all_layers. Matrix products run in compute_dtype;
    the residual stream, LayerNorm and the returned layers are float32. With
    fused_kernels the attention softmax (with mask and dropout), bias + tanh
    GELU and each bias + dropout + residual + LayerNorm are compiled kernels
    (fused_kernels.py): the same maths in fewer passes.
    """
    all_layer_outputs, _ = _encoder(
        input_tensor, attention_mask, num_hidden_layers, _LayerSettings(
            hidden_size, num_attention_heads, intermediate_size,
            intermediate_act_fn, hidden_dropout_prob,
            attention_probs_dropout_prob, initializer_range, compute_dtype,
            fused_kernels, layer_norm))
    if do_return_all_layers:
        return all_layer_outputs
    return all_layer_outputs[-1]


# What every Transformer layer of one encoder is built with.
_LayerSettings = collections.namedtuple(
    "_LayerSettings", "hidden_size num_attention_heads intermediate_size "
    "intermediate_act_fn hidden_dropout_prob attention_probs_dropout_prob "
    "initializer_range compute_dtype fused_kernels layer_norm_fn")


def _first_rows(matrix, batch_size, seq_length):
    """The first position's row of each example of a [batch*seq, width]
    matrix: [batch, width]."""
    width = matrix.shape[-1]
    return tf.reshape(matrix, [batch_size, seq_length, width])[:, 0, :]


def _encoder(input_tensor, attention_mask, num_layers, settings,
             cls_only_last_layer=False):
    """The layers `layer_0`.. over [batch, seq, hidden] input: (every layer's
    [batch, seq, hidden] float32 output, and with cls_only_last_layer the
    last layer once more for each example's first position ([CLS]) alone,
    [batch, hidden], else None).

    That second last layer shares the last layer's variables; its queries,
    attention output and feed-forward take one row per example, its keys and
    values every row, so its output equals the last layer's first rows up to
    rounding, and a graph that needs no other row runs only it.
    """
    if settings.hidden_size % settings.num_attention_heads != 0:
        raise ValueError(
            "hidden_size %d is not a multiple of num_attention_heads %d"
            % (settings.hidden_size, settings.num_attention_heads))
    input_shape = get_shape_list(input_tensor, expected_rank=3)
    batch_size, seq_length, input_width = input_shape
    if input_width != settings.hidden_size:
        raise ValueError("input width %d differs from hidden_size %d"
                         % (input_width, settings.hidden_size))

    # The layers work on [batch*seq, hidden] rows; *_products is a layer's
    # input as its products read it (with fused kernels in bf16 or fp16, the
    # copy in that type the kernel before made).
    layer_input = layer_input_products = reshape_to_matrix(input_tensor)
    outputs = []
    for index in range(num_layers):
        last_input, last_input_products = layer_input, layer_input_products
        with tf1.variable_scope("layer_%d" % index):
            layer_input, layer_input_products = _transformer_layer(
                settings, last_input, last_input_products, attention_mask,
                batch_size, seq_length)
        outputs.append(layer_input)
    # Reshaped after the loop, as the release does: graph-seeded dropout
    # takes its op seeds from the order ops are made in.
    outputs = [reshape_from_matrix(output, input_shape) for output in outputs]
    first_token_output = None
    if cls_only_last_layer:
        with tf1.variable_scope("layer_%d" % (num_layers - 1), reuse=True):
            first_token_output, _ = _transformer_layer(
                settings, last_input, last_input_products, attention_mask,
                batch_size, seq_length, first_token_only=True)
    return outputs, first_token_output


def _transformer_layer(settings, layer_input, layer_input_products,
                       attention_mask, batch_size, seq_length,
                       first_token_only=False):
    """One Transformer layer in the current variable scope: (output, the
    output as the next products read it), [batch*seq, hidden] float32 rows
    (first_token_only: [batch, hidden], the first positions' rows alone)."""
    queries_from, residual, from_length = layer_input_products, layer_input, seq_length
    if first_token_only:
        queries_from = _first_rows(layer_input_products, batch_size, seq_length)
        residual = _first_rows(layer_input, batch_size, seq_length)
        attention_mask = attention_mask[:, :1, :]
        from_length = 1
    with tf1.variable_scope("attention"):
        with tf1.variable_scope("self"):
            context = attention_layer(
                from_tensor=queries_from,
                to_tensor=layer_input_products,
                attention_mask=attention_mask,
                num_attention_heads=settings.num_attention_heads,
                size_per_head=(settings.hidden_size
                               // settings.num_attention_heads),
                attention_probs_dropout_prob=settings.attention_probs_dropout_prob,
                initializer_range=settings.initializer_range,
                do_return_2d_tensor=True,
                batch_size=batch_size,
                from_seq_length=from_length,
                to_seq_length=seq_length,
                compute_dtype=settings.compute_dtype,
                fused_kernels=settings.fused_kernels)
        with tf1.variable_scope("output"):
            attention_output, attention_output_products = _output_layer_norm(
                context, residual, settings.hidden_size,
                settings.initializer_range, settings.hidden_dropout_prob,
                settings.compute_dtype, settings.fused_kernels,
                settings.layer_norm_fn)
    with tf1.variable_scope("intermediate"):
        intermediate_output = _intermediate(
            attention_output_products, settings.intermediate_size,
            settings.initializer_range, settings.intermediate_act_fn,
            settings.compute_dtype, settings.fused_kernels)
    with tf1.variable_scope("output"):
        return _output_layer_norm(
            intermediate_output, attention_output, settings.hidden_size,
            settings.initializer_range, settings.hidden_dropout_prob,
            settings.compute_dtype, settings.fused_kernels, settings.layer_norm_fn)


def get_shape_list(tensor, expected_rank=None, name=None):
    """The shape as a list: Python ints for the static dimensions, scalar
    tensors for the unknown ones (a fully static shape adds no op)."""
    if expected_rank is not None:
        assert_rank(tensor, expected_rank, name)
    shape = tensor.shape.as_list()
    if None not in shape:
        return shape
    dynamic = tf.shape(tensor)
    return [dim if dim is not None else dynamic[index]
            for index, dim in enumerate(shape)]


def reshape_to_matrix(input_tensor):
    """A tensor of rank >= 2 as a matrix [-1, last dimension]."""
    ndims = input_tensor.shape.ndims
    if ndims < 2:
        raise ValueError("input tensor must have rank at least 2, got shape %s"
                         % input_tensor.shape)
    if ndims == 2:
        return input_tensor
    width = input_tensor.shape[-1]
    return tf.reshape(input_tensor, [-1, width])


def reshape_from_matrix(output_tensor, orig_shape_list):
    """A [-1, width] matrix back to orig_shape_list[:-1] + [width]."""
    if len(orig_shape_list) == 2:
        return output_tensor
    output_shape = get_shape_list(output_tensor)
    return tf.reshape(output_tensor, orig_shape_list[:-1] + [output_shape[-1]])


def assert_rank(tensor, expected_rank, name=None):
    """Raises ValueError unless tensor's rank is expected_rank (int or list)."""
    if isinstance(expected_rank, int):
        expected_rank = [expected_rank]
    actual_rank = tensor.shape.ndims
    if actual_rank not in expected_rank:
        raise ValueError(
            "tensor %s has rank %d, expected one of %s"
            % (name or tensor.name, actual_rank, expected_rank))
