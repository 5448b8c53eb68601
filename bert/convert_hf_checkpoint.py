"""Converts a BERT in HuggingFace layout into the released-BERT checkpoint layout.

In:  --hf_dir with config.json, vocab.txt and model.safetensors.
Out: --output_dir with bert_config.json, vocab.txt and bert_model.ckpt.*,
     variables named as released checkpoints name them (bert/encoder/layer_0/...).

Note: HuggingFace's "gelu" is the exact erf form; the config written here says
"gelu", which this project (like the released BERT) computes in the tanh form.
The two differ by less than 1e-3 and fine-tuning absorbs the difference.
"""

import argparse
import json
import os
import re
import shutil

import numpy as np
from safetensors.numpy import load_file

from bert.classifier import startup

startup.start_tensorflow()  # before TensorFlow's first import: see startup.py

import tensorflow as tf  # noqa: E402

from bert import modeling  # noqa: E402
from bert.errors import InputError, reported_errors  # noqa: E402

tf1 = tf.compat.v1

# HuggingFace tensors that are buffers or pre-training heads, not BERT weights.
_SKIPPED = re.compile(r"(^|\.)position_ids$|^cls\.|^lm_head\.|^classifier\.")


def tf_variable_name(hf_name):
    """Returns (released-checkpoint variable name, whether to transpose) or None."""
    name = re.sub(r"^bert\.", "", hf_name)
    if _SKIPPED.search(name):
        return None
    name = re.sub(r"\blayer\.(\d+)\.", r"layer_\1.", name)
    parts = name.split(".")
    leaf = parts[-1]
    scope = "/".join(["bert"] + parts[:-1])
    if parts[-2] == "LayerNorm":
        return scope + "/" + {"weight": "gamma", "gamma": "gamma",
                              "bias": "beta", "beta": "beta"}[leaf], False
    if parts[0] == "embeddings" and leaf == "weight":
        return scope, False
    if leaf == "weight":
        return scope + "/kernel", True
    return scope + "/" + leaf, False


def bert_config_from_hf(hf_config):
    """Keeps the keys of bert_config.json from a HuggingFace config.json."""
    missing = [key for key in modeling.REQUIRED_CONFIG_KEYS if key not in hf_config]
    if missing:
        raise InputError("config.json lacks %s" % ", ".join(missing))
    return modeling.BertConfig.from_dict(
        {key: hf_config[key] for key in modeling.REQUIRED_CONFIG_KEYS})


def convert_weights(hf_weights, config):
    """Renames (and transposes) HuggingFace tensors; checks names and shapes."""
    converted = {}
    for hf_name, value in hf_weights.items():
        target = tf_variable_name(hf_name)
        if target is None:
            continue
        name, transpose = target
        converted[name] = np.ascontiguousarray(
            value.T if transpose else value).astype(np.float32)
    expected = modeling.variable_shapes(config)
    missing = sorted(set(expected) - set(converted))
    if missing:
        raise InputError("model.safetensors lacks %s" % ", ".join(missing))
    unexpected = sorted(set(converted) - set(expected))
    if unexpected:
        raise InputError("model.safetensors has unknown tensors %s"
                         % ", ".join(unexpected))
    for name, shape in expected.items():
        if list(converted[name].shape) != shape:
            raise InputError("%s has shape %s, the config wants %s"
                             % (name, list(converted[name].shape), shape))
    return converted


def write_checkpoint(variables, checkpoint_path):
    """Saves name -> numpy array as a TF1 checkpoint (index + data files)."""
    with tf.Graph().as_default():
        tf_variables = {name: tf1.Variable(value, name=name)
                        for name, value in sorted(variables.items())}
        saver = tf1.train.Saver(var_list=tf_variables)
        with tf1.Session() as session:
            session.run(tf1.global_variables_initializer())
            saver.save(session, checkpoint_path, write_meta_graph=False,
                       write_state=False)


def convert(hf_dir, output_dir):
    """Converts hf_dir into output_dir; returns the checkpoint path."""
    for name in ("config.json", "vocab.txt", "model.safetensors"):
        if not os.path.isfile(os.path.join(hf_dir, name)):
            raise InputError("%s is missing from --hf_dir=%s" % (name, hf_dir))
    with open(os.path.join(hf_dir, "config.json")) as reader:
        config = bert_config_from_hf(json.load(reader))
    variables = convert_weights(
        load_file(os.path.join(hf_dir, "model.safetensors")), config)

    os.makedirs(output_dir, exist_ok=True)
    checkpoint_path = os.path.join(output_dir, "bert_model.ckpt")
    write_checkpoint(variables, checkpoint_path)
    shutil.copyfile(os.path.join(hf_dir, "vocab.txt"),
                    os.path.join(output_dir, "vocab.txt"))
    with open(os.path.join(output_dir, "bert_config.json"), "w") as writer:
        writer.write(config.to_json_string())
    return checkpoint_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--hf_dir", required=True,
        help="folder with the HuggingFace model: config.json, vocab.txt, "
             "model.safetensors")
    parser.add_argument(
        "--output_dir", required=True,
        help="folder to write bert_config.json, vocab.txt and bert_model.ckpt.* into")
    args = parser.parse_args(argv)
    with reported_errors("convert_hf_checkpoint"):
        checkpoint_path = convert(args.hf_dir, args.output_dir)
    print("wrote %s (and bert_config.json, vocab.txt beside it)" % checkpoint_path)


def command():
    """The convert_hf_checkpoint command."""
    main()


if __name__ == "__main__":
    command()
