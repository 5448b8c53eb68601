"""A run's data: examples to features (and their cache), TFRecord files,
the input functions that read them, and the label list of your own data."""
