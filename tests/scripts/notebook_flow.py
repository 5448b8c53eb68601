"""The release notebook's flow (predicting_movie_reviews_with_bert_on_tf_hub),
as code written for bert-tensorflow runs it, with a local BERT (MiniLM through
modeling.BertModel) instead of the hub module and real SST-2 sentences instead
of IMDB. tests/test_estimator.py runs it in a subprocess and reads the JSON
it prints last.

usage: notebook_flow.py BERT_DIR SST2_DIR OUTPUT_DIR tf|bert

tf: tf.estimator's Estimator (TensorFlow 2.15); bert: the one line that the
docs/install.md gives for TensorFlow 2.16+, `tf.estimator = bert.estimator`.
"""

import json
import os
import sys

import tensorflow as tf

import bert
from bert import modeling
from bert import optimization
from bert import run_classifier
from bert import tokenization

BERT_DIR, SST2_DIR, OUTPUT_DIR, ESTIMATOR = sys.argv[1:5]
if ESTIMATOR == "bert":
    tf.estimator = bert.estimator

tf1 = tf.compat.v1
MAX_SEQ_LENGTH = 64
BATCH_SIZE = 32
LEARNING_RATE = 5e-5
NUM_TRAIN_EPOCHS = 2.0
WARMUP_PROPORTION = 0.1
SAVE_CHECKPOINTS_STEPS = 500
SAVE_SUMMARY_STEPS = 100
label_list = [0, 1]


def read_sst2(name, rows):
    with open(os.path.join(SST2_DIR, name), encoding="utf-8") as reader:
        lines = reader.read().splitlines()[1:rows + 1]
    return [(line.split("\t")[0], int(line.split("\t")[1])) for line in lines]


train = read_sst2("train.tsv", 256)
test = read_sst2("dev.tsv", 128)
train_InputExamples = [
    bert.run_classifier.InputExample(guid=None, text_a=text, text_b=None,
                                     label=label) for text, label in train]
test_InputExamples = [
    bert.run_classifier.InputExample(guid=None, text_a=text, text_b=None,
                                     label=label) for text, label in test]

tokenizer = bert.tokenization.FullTokenizer(
    vocab_file=os.path.join(BERT_DIR, "vocab.txt"), do_lower_case=True)
train_features = bert.run_classifier.convert_examples_to_features(
    train_InputExamples, label_list, MAX_SEQ_LENGTH, tokenizer)
test_features = bert.run_classifier.convert_examples_to_features(
    test_InputExamples, label_list, MAX_SEQ_LENGTH, tokenizer)
bert_config = modeling.BertConfig.from_json_file(
    os.path.join(BERT_DIR, "bert_config.json"))
init_checkpoint = os.path.join(BERT_DIR, "bert_model.ckpt")


def create_model(is_predicting, is_training, input_ids, input_mask, segment_ids,
                 labels, num_labels):
    """The notebook's classifier, on modeling.BertModel instead of the hub
    (and with dropout in training only)."""
    model = modeling.BertModel(
        config=bert_config, is_training=is_training, input_ids=input_ids,
        input_mask=input_mask, token_type_ids=segment_ids)
    assignment_map, _ = modeling.get_assignment_map_from_checkpoint(
        tf1.trainable_variables(), init_checkpoint)
    tf1.train.init_from_checkpoint(init_checkpoint, assignment_map)
    output_layer = model.get_pooled_output()
    hidden_size = output_layer.shape[-1]
    output_weights = tf1.get_variable(
        "output_weights", [num_labels, hidden_size],
        initializer=tf1.truncated_normal_initializer(stddev=0.02))
    output_bias = tf1.get_variable(
        "output_bias", [num_labels], initializer=tf1.zeros_initializer())
    with tf1.variable_scope("loss"):
        if is_training:
            output_layer = tf1.nn.dropout(output_layer, keep_prob=0.9)
        logits = tf.matmul(output_layer, output_weights, transpose_b=True)
        logits = tf.nn.bias_add(logits, output_bias)
        log_probs = tf.nn.log_softmax(logits, axis=-1)
        one_hot_labels = tf.one_hot(labels, depth=num_labels, dtype=tf.float32)
        predicted_labels = tf.squeeze(
            tf.argmax(log_probs, axis=-1, output_type=tf.int32))
        if is_predicting:
            return (predicted_labels, log_probs)
        per_example_loss = -tf.reduce_sum(one_hot_labels * log_probs, axis=-1)
        loss = tf.reduce_mean(per_example_loss)
        return (loss, predicted_labels, log_probs)


def model_fn_builder(num_labels, learning_rate, num_train_steps,
                     num_warmup_steps):
    def model_fn(features, labels, mode, params):
        input_ids = features["input_ids"]
        input_mask = features["input_mask"]
        segment_ids = features["segment_ids"]
        label_ids = features["label_ids"]
        is_predicting = (mode == tf.estimator.ModeKeys.PREDICT)
        is_training = (mode == tf.estimator.ModeKeys.TRAIN)
        if not is_predicting:
            (loss, predicted_labels, log_probs) = create_model(
                is_predicting, is_training, input_ids, input_mask, segment_ids, label_ids,
                num_labels)
            train_op = bert.optimization.create_optimizer(
                loss, learning_rate, num_train_steps, num_warmup_steps,
                use_tpu=False)

            def metric_fn(label_ids, predicted_labels):
                return {
                    "eval_accuracy": tf1.metrics.accuracy(label_ids,
                                                          predicted_labels),
                    "precision": tf1.metrics.precision(label_ids,
                                                       predicted_labels),
                    "recall": tf1.metrics.recall(label_ids, predicted_labels),
                }

            eval_metrics = metric_fn(label_ids, predicted_labels)
            if mode == tf.estimator.ModeKeys.TRAIN:
                return tf.estimator.EstimatorSpec(mode=mode, loss=loss,
                                                  train_op=train_op)
            return tf.estimator.EstimatorSpec(mode=mode, loss=loss,
                                              eval_metric_ops=eval_metrics)
        (predicted_labels, log_probs) = create_model(
            is_predicting, is_training, input_ids, input_mask, segment_ids, label_ids,
            num_labels)
        predictions = {"probabilities": log_probs, "labels": predicted_labels}
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)

    return model_fn


num_train_steps = int(len(train_features) / BATCH_SIZE * NUM_TRAIN_EPOCHS)
num_warmup_steps = int(num_train_steps * WARMUP_PROPORTION)
run_config = tf.estimator.RunConfig(
    model_dir=OUTPUT_DIR, save_summary_steps=SAVE_SUMMARY_STEPS,
    save_checkpoints_steps=SAVE_CHECKPOINTS_STEPS, tf_random_seed=1)
model_fn = model_fn_builder(num_labels=len(label_list),
                            learning_rate=LEARNING_RATE,
                            num_train_steps=num_train_steps,
                            num_warmup_steps=num_warmup_steps)
estimator = tf.estimator.Estimator(model_fn=model_fn, config=run_config,
                                   params={"batch_size": BATCH_SIZE})

train_input_fn = bert.run_classifier.input_fn_builder(
    features=train_features, seq_length=MAX_SEQ_LENGTH, is_training=True,
    drop_remainder=False)
estimator.train(input_fn=train_input_fn, max_steps=num_train_steps)

test_input_fn = run_classifier.input_fn_builder(
    features=test_features, seq_length=MAX_SEQ_LENGTH, is_training=False,
    drop_remainder=False)
evaluation = estimator.evaluate(input_fn=test_input_fn, steps=None)


def getPrediction(in_sentences):
    labels = ["Negative", "Positive"]
    input_examples = [run_classifier.InputExample(guid="", text_a=x, text_b=None,
                                                  label=0) for x in in_sentences]
    input_features = run_classifier.convert_examples_to_features(
        input_examples, label_list, MAX_SEQ_LENGTH, tokenizer)
    predict_input_fn = run_classifier.input_fn_builder(
        features=input_features, seq_length=MAX_SEQ_LENGTH, is_training=False,
        drop_remainder=False)
    predictions = estimator.predict(predict_input_fn)
    return [(sentence, prediction["probabilities"],
             labels[prediction["labels"]])
            for sentence, prediction in zip(in_sentences, predictions)]


pred_sentences = [text for text, _ in read_sst2("dev.tsv", 136)[128:]]
predictions = getPrediction(pred_sentences)
print(json.dumps({
    "num_train_steps": num_train_steps,
    "evaluation": {key: float(value) for key, value in evaluation.items()},
    "test_labels": [label for _, label in test],
    "predictions": [[sentence, [float(p) for p in probabilities], label]
                    for sentence, probabilities, label in predictions],
    "optimization_module": optimization.__name__,
    "tokenization_module": tokenization.__name__,
}))
