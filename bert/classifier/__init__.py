"""The run_classifier tool: configuration, phases, runtimes, data, metrics,
results (README, "Where things live")."""
