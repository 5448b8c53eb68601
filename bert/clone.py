"""What the clone's top-level scripts are: stand-ins for this package's modules.

A clone keeps the release's layout: `python run_classifier.py ...` and
`import modeling` beside it. Each such top-level file calls stand_in, so the
code exists once, here in the package, and `import modeling` in a clone is
the very module `bert.modeling` (one set of classes and flags, not two).
"""

import importlib
import sys


def stand_in(caller_name, module_name):
    """Runs bert.<module_name>'s command() when the caller runs as the main
    program; otherwise makes `import <caller_name>` give bert.<module_name>."""
    module = importlib.import_module("bert." + module_name)
    if caller_name == "__main__":
        module.command()
    else:
        sys.modules[caller_name] = module
