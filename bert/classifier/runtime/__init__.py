"""The layer that drives the model function: TPUEstimator where TensorFlow has
it (2.15), or the session runtime (any TensorFlow 2). choice.py says which,
make.py builds it from a RunConfig."""
