"""Exports a fine-tuned classifier as a SavedModel for TensorFlow Serving and classify.py.

The folder holds the `serving_default` signature (int32 input_ids, input_mask,
segment_ids of shape [batch, length] -> probabilities and label_ids; scores for
regression; probabilities and label_set, 1 for each predicted label, for a
multi-label task), the `text` signature (strings text_a, and text_b for a
pair task -> the same outputs; it tokenizes in the graph as tokenization.py
does, text_inputs.py, so a process that loads it imports tensorflow_text
first), and assets.extra/ with vocab.txt, label_list.txt and
classifier_config.json.
"""

import dataclasses
import json
import os

import tensorflow as tf

from bert import tokenization
from bert.classifier import atomic, checks, frozen_graph
from bert.classifier.data.features import SEQUENCE_FEATURES
from bert.classifier.model_fn import ModelOptions, create_model
from bert.classifier.label_thresholds import predicted_mask
from bert.classifier.text_inputs import GraphTokenizer, text_features
from bert.errors import InputError

tf1 = tf.compat.v1

ASSETS_DIR = "assets.extra"
CONFIG_FILE = "classifier_config.json"
TEXT_SIGNATURE = "text"


def build_serving_graph(bert_config, label_list, threshold=None, defaults=None,
                        options=ModelOptions()):
    """Placeholders -> model outputs in the current graph: (inputs, outputs).

    A threshold (a number, or a list with one per label) makes it a
    multi-label model whose label_set output holds 1 for each label with a
    probability of at least its threshold. defaults ({feature: tensor}, the
    text inputs' features) are what the inputs hold when they are not fed.
    options: a ModelOptions whose compute_dtype, cls_only_last_layer and
    fused_kernels the graph computes with (the run's, so that --fast exports
    a --fast model).
    """
    if defaults is None:
        inputs = {name: tf1.placeholder(tf.int32, [None, None], name=name)
                  for name in SEQUENCE_FEATURES}
    else:
        inputs = {name: tf1.placeholder_with_default(defaults[name], [None, None],
                                                     name=name)
                  for name in SEQUENCE_FEATURES}
    regression = label_list is None
    multi_label = threshold is not None
    batch_size = tf.shape(inputs["input_ids"])[0]
    label_shape = [batch_size, len(label_list)] if multi_label else [batch_size]
    options = dataclasses.replace(options, regression=regression,
                                  multi_label=multi_label)
    _, _, _, output = create_model(
        bert_config, is_training=False, input_ids=inputs["input_ids"],
        input_mask=inputs["input_mask"], segment_ids=inputs["segment_ids"],
        labels=tf.zeros(label_shape, tf.float32 if regression else tf.int32),
        num_labels=1 if regression else len(label_list),
        use_one_hot_embeddings=False, options=options)
    if regression:
        return inputs, {"scores": output}
    if multi_label:
        return inputs, {"probabilities": output,
                        "label_set": predicted_mask(output, threshold)}
    return inputs, {"probabilities": output,
                    "label_ids": tf.argmax(output, axis=-1, output_type=tf.int32)}


def build_text_inputs(vocab_file, do_lower_case, max_seq_length, pairs):
    """String placeholders text_a (and text_b with pairs) -> their features
    in the current graph: (text inputs, {feature: int32 tensor})."""
    vocab = tokenization.load_vocab(vocab_file)
    text_inputs = {name: tf1.placeholder(tf.string, [None], name=name)
                   for name in (("text_a", "text_b") if pairs else ("text_a",))}
    features = text_features(
        GraphTokenizer(list(vocab), do_lower_case), text_inputs["text_a"],
        text_inputs.get("text_b"), max_seq_length, vocab["[CLS]"], vocab["[SEP]"])
    return text_inputs, features


def export_classifier(bert_config, checkpoint, export_dir, label_list, vocab_file,
                      do_lower_case, max_seq_length, task_name, text_pairs=None,
                      threshold=None, pair_inputs=True, options=ModelOptions()):
    """Writes the SavedModel of `checkpoint` to export_dir (which must not exist).

    text_pairs says whether the model was trained on sentence pairs; it is
    recorded where the task's name does not tell (your own data), and
    classify.py warns about inputs of the other kind. threshold: a
    multi-label model's (see build_serving_graph). pair_inputs: the text
    signature takes text_b (else text_a alone). options: how the graph
    computes (see build_serving_graph); classifier_config.json records its
    compute_dtype, cls_only_last_layer and fused_kernels. A graph that
    computes in bf16 or fp16 is exported frozen (frozen_graph.py): its
    weights are constants, already in the products' type.

    The folder is built under a temporary name and renamed when complete.
    """
    checks.check_export_dir(export_dir)
    with atomic.replaced_when_done(export_dir, overwrite=False) as temporary_dir:
        with tf.Graph().as_default() as graph:
            text_inputs, features = build_text_inputs(
                vocab_file, do_lower_case, max_seq_length, pair_inputs)
            inputs, outputs = build_serving_graph(bert_config, label_list,
                                                  threshold, features, options)
            signatures = {"serving_default": (inputs, outputs),
                          TEXT_SIGNATURE: (text_inputs, outputs)}
            init_op = tf1.tables_initializer()
            _check_holds_the_variables(checkpoint, tf1.global_variables())
            with tf1.Session(graph=graph) as session:
                tf1.train.Saver().restore(session, checkpoint)
                if options.compute_dtype == tf.float32:
                    _save_model(session, temporary_dir, signatures, init_op)
                else:
                    frozen, (signatures, init_op) = frozen_graph.freeze(
                        session, (signatures, init_op))
                    with frozen:
                        _save_model(frozen, temporary_dir, signatures, init_op)
        write_assets(temporary_dir, label_list, vocab_file, do_lower_case,
                     max_seq_length, task_name, text_pairs, threshold, options)


def _check_holds_the_variables(checkpoint, variables):
    """InputError unless checkpoint has a value of each variable's name and
    shape: a pretrained checkpoint has no classifier layer, and one
    fine-tuned on other labels has another output size."""
    stored = dict(tf.train.list_variables(checkpoint))
    names = [variable.op.name for variable in variables]
    missing = [name for name in names if name not in stored]
    if missing:
        raise InputError(
            "%s has no %s: it is not a fine-tuned classifier (a pretrained "
            "checkpoint has no classifier layer); export the checkpoint that "
            "--do_train writes" % (checkpoint, " or ".join(missing[:3])
                                   + (" (%d more)" % (len(missing) - 3)
                                      if len(missing) > 3 else "")))
    for variable in variables:
        shape = variable.shape.as_list()
        if stored[variable.op.name] != shape:
            raise InputError(
                "%s holds %s of shape %s, and this export needs %s: it was "
                "fine-tuned with other labels or another bert_config.json; "
                "export with the labels and config it was trained with"
                % (checkpoint, variable.op.name, stored[variable.op.name], shape))


def _save_model(session, export_dir, signatures, init_op):
    """Writes session's graph and variables as a SavedModel for serving:
    signatures {name: (inputs, outputs)}, init_op run when it loads."""
    signature = tf1.saved_model.predict_signature_def
    with session.graph.as_default():
        builder = tf1.saved_model.Builder(export_dir)
        builder.add_meta_graph_and_variables(
            session, [tf1.saved_model.tag_constants.SERVING],
            signature_def_map={name: signature(*tensors)
                               for name, tensors in signatures.items()},
            main_op=init_op, strip_default_attrs=True)
        builder.save()


def write_assets(saved_model_dir, label_list, vocab_file, do_lower_case,
                 max_seq_length, task_name, text_pairs=None, threshold=None,
                 options=ModelOptions()):
    assets = os.path.join(saved_model_dir, ASSETS_DIR)
    tf.io.gfile.makedirs(assets)
    tf.io.gfile.copy(vocab_file, os.path.join(assets, "vocab.txt"))
    with tf.io.gfile.GFile(os.path.join(assets, "label_list.txt"), "w") as writer:
        writer.write("".join(label + "\n" for label in label_list or []))
    config = {"task_name": task_name, "do_lower_case": bool(do_lower_case),
              "max_seq_length": int(max_seq_length),
              "label_list": label_list, "regression": label_list is None,
              "compute_dtype": options.compute_dtype.name,
              "cls_only_last_layer": bool(options.cls_only_last_layer),
              "fused_kernels": bool(options.fused_kernels)}
    if text_pairs is not None:
        config["text_pairs"] = bool(text_pairs)
    if threshold is not None:
        config["multi_label"] = True
        config["threshold"] = threshold
    with tf.io.gfile.GFile(os.path.join(assets, CONFIG_FILE), "w") as writer:
        writer.write(json.dumps(config, indent=2, sort_keys=True) + "\n")


def read_assets(saved_model_dir):
    """The classifier_config.json of an exported folder, with the vocab path."""
    if not tf.io.gfile.isdir(saved_model_dir):
        raise InputError("%s is not a folder: pass the folder written by "
                         "run_classifier.py --do_export" % saved_model_dir)
    config_path = os.path.join(saved_model_dir, ASSETS_DIR, CONFIG_FILE)
    if not tf.io.gfile.exists(config_path):
        raise InputError("%s is not an export of run_classifier.py (%s is "
                         "missing): pass the folder written by --do_export"
                         % (saved_model_dir, config_path))
    with tf.io.gfile.GFile(config_path) as reader:
        config = json.load(reader)
    config["vocab_file"] = os.path.join(saved_model_dir, ASSETS_DIR, "vocab.txt")
    return config
