"""The one exception type for bad user input: its message is a single line
that says what is wrong, where (file, line, column or flag) and what to do."""


class InputError(ValueError):
    """Bad input from the user: data files, flags, vocabularies, configs."""
