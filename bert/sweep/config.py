"""One sweep's settings, built once from reproduce.py's flags and checked."""

import dataclasses
import os
from typing import Optional, Tuple

import tensorflow as tf

from bert.classifier import checks
from bert.errors import InputError
from bert.sweep import plan


@dataclasses.dataclass(frozen=True)
class SweepConfig(object):
    """Everything a sweep needs; field names follow reproduce.py's flags.

    pass_through holds the run_classifier flags given to reproduce.py that
    leave the protocol alone, as "--name=value" (sweep.json records them).
    """

    benchmark: str
    data_dir: str
    output_dir: str
    vocab_file: str
    bert_config_file: str
    init_checkpoint: str
    do_lower_case: bool = True
    tasks: Optional[Tuple[str, ...]] = None
    learning_rates: Tuple[float, ...] = (5e-5, 4e-5, 3e-5, 2e-5)
    num_train_epochs: float = 3.0
    train_batch_size: int = 32
    seeds: int = 1
    max_seq_length: int = 128
    random_seed: Optional[int] = None
    wnli: str = "majority"
    xnli_protocol: str = "translate_train"
    mnli_data_dir: Optional[str] = None
    shard: Tuple[int, int] = (1, 1)
    collect_only: bool = False
    trials_in_parallel: int = 1
    pass_through: Tuple[str, ...] = ()

    def protocol(self):
        """The settings that define the sweep, as sweep.json holds them (the
        run_classifier flags passed on, when there are any)."""
        protocol = {
            "benchmark": self.benchmark, "data_dir": self.data_dir,
            "tasks": None if self.tasks is None else list(self.tasks),
            "learning_rates": ",".join("%g" % rate
                                       for rate in self.learning_rates),
            "num_train_epochs": self.num_train_epochs,
            "train_batch_size": self.train_batch_size, "seeds": self.seeds,
            "max_seq_length": self.max_seq_length,
            "random_seed": self.random_seed, "wnli": self.wnli,
            "xnli_protocol": self.xnli_protocol,
            "mnli_data_dir": self.mnli_data_dir,
            "vocab_file": self.vocab_file,
            "bert_config_file": self.bert_config_file,
            "init_checkpoint": self.init_checkpoint,
            "do_lower_case": self.do_lower_case}
        if self.pass_through:
            protocol["run_classifier_flags"] = list(self.pass_through)
        return protocol


def from_flags(flag_values, pass_through_names):
    """The SweepConfig of reproduce.py's parsed flags; bad values are one-line
    InputErrors, raised before anything runs."""
    if min(flag_values.seeds, flag_values.train_batch_size,
           flag_values.trials_in_parallel) < 1:
        raise InputError("--seeds, --train_batch_size and --trials_in_parallel "
                         "must be at least 1")
    bert_dir = flag_values.bert_dir or ""
    config = SweepConfig(
        benchmark=flag_values.benchmark, data_dir=flag_values.data_dir,
        output_dir=flag_values.output_dir,
        vocab_file=flag_values.vocab_file or os.path.join(bert_dir, "vocab.txt"),
        bert_config_file=(flag_values.bert_config_file
                          or os.path.join(bert_dir, "bert_config.json")),
        init_checkpoint=(flag_values.init_checkpoint
                         or os.path.join(bert_dir, "bert_model.ckpt")),
        do_lower_case=flag_values.do_lower_case,
        tasks=None if not flag_values.tasks else tuple(flag_values.tasks),
        learning_rates=tuple(plan.parse_learning_rates(flag_values.learning_rates)),
        num_train_epochs=flag_values.num_train_epochs,
        train_batch_size=flag_values.train_batch_size, seeds=flag_values.seeds,
        max_seq_length=flag_values.max_seq_length,
        random_seed=flag_values.random_seed, wnli=flag_values.wnli,
        xnli_protocol=flag_values.xnli_protocol,
        mnli_data_dir=flag_values.mnli_data_dir,
        shard=plan.parse_shard(flag_values.shard),
        collect_only=flag_values.collect_only,
        trials_in_parallel=flag_values.trials_in_parallel,
        pass_through=tuple(flag_values[name].serialize()
                           for name in pass_through_names
                           if flag_values[name].present))
    check_model(config)
    return config


def check_model(config):
    """The model's files exist and --do_lower_case fits a released name."""
    for flag, path in (("vocab_file", config.vocab_file),
                       ("bert_config_file", config.bert_config_file)):
        if not tf.io.gfile.exists(path):
            raise InputError("%s does not exist: pass --bert_dir with a released "
                             "model's files, or --%s" % (path, flag))
    if not tf.io.gfile.exists(config.init_checkpoint + ".index"):
        raise InputError("%s.index does not exist: pass --bert_dir with a released "
                         "model's files, or --init_checkpoint"
                         % config.init_checkpoint)
    checks.check_case(config.do_lower_case, config.init_checkpoint)
