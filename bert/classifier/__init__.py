"""The run_classifier tool: configuration, phases, runtimes, data, metrics,
results (docs/contributing.md, "Where things live")."""
