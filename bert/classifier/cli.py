"""run_classifier.py's command-line flags, made from RunConfig's fields.

run_classifier.py defines them on absl's global FLAGS; reproduce.py defines
them on a FlagValues of its own to learn which it passes through to the
trials. Each flag's name, type, default and help are a field's of
classifier/run_config.py's RunConfig, written there once.
"""

import dataclasses
import sys
import typing

from absl import app
from absl import flags

from bert.classifier.run_config import RunConfig

REQUIRED = tuple(field.name for field in dataclasses.fields(RunConfig)
                 if field.default is dataclasses.MISSING)
# A field's type (Optional stripped) -> absl's DEFINE_ function for it.
DEFINERS = {str: flags.DEFINE_string, bool: flags.DEFINE_bool,
            int: flags.DEFINE_integer, float: flags.DEFINE_float,
            typing.Tuple[str, ...]: flags.DEFINE_list}


def run_command(main, module_name, flag_values=flags.FLAGS):
    """app.run(main), with module_name's docstring and flags as the
    program's own: absl's --help shows those of the program run (sys.argv[0]
    and __main__: a console script, a clone's stand-in script), whose code
    is module_name's."""
    sys.modules["__main__"].__doc__ = sys.modules[module_name].__doc__
    for flag in flag_values.flags_by_module_dict().pop(module_name, []):
        flag_values.register_flag_by_module(sys.argv[0], flag)
    app.run(main)


def define_flags(flag_values=flags.FLAGS, module_name=None):
    """Defines every run_classifier flag (one per RunConfig field) on
    flag_values, as flags of module_name (absl's --helpshort lists the main
    module's); returns their names."""
    for field in dataclasses.fields(RunConfig):
        default = None if field.default is dataclasses.MISSING else field.default
        where = dict(flag_values=flag_values, module_name=module_name)
        if field.metadata.get("choices"):
            flags.DEFINE_enum(field.name, default, list(field.metadata["choices"]),
                              field.metadata["help"], **where)
        else:
            DEFINERS[flag_type(field.type)](
                field.name, default, field.metadata["help"], **where)
    return [field.name for field in dataclasses.fields(RunConfig)]


def flag_type(field_type):
    """A field's type without Optional: Optional[int] -> int."""
    arguments = [argument for argument in typing.get_args(field_type)
                 if argument is not type(None)]
    if typing.get_origin(field_type) is typing.Union and len(arguments) == 1:
        return arguments[0]
    return field_type
