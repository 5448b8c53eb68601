"""reproduce.py's parts: the benchmark's tasks and published figures, the plan
of trials, running them, the GLUE submission and the result tables."""
