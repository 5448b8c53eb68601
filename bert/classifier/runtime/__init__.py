"""The layer that drives the model function: three runtimes (estimator,
session, function) with one interface (interface.py). choice.py says which
runs, make.py builds it from a RunConfig."""
