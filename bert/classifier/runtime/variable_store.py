"""One variable per name across tf.function traces, for the function runtime.

The model function makes its variables with tf.compat.v1.get_variable, as the
reference does. tf.function traces a Python function more than once (twice on
its first call when it makes variables; again for a new input shape), and each
trace would make the variables anew. Inside VariableStore.scope() the first
trace makes each variable (outside the function, as tf.function requires) and
later traces get the same one back by name. Each trace also sees the
variables in its graph's collections (trainable, global, local, global step),
so code that reads tf.compat.v1.trainable_variables() works in every trace.
"""

import contextlib

import tensorflow as tf

tf1 = tf.compat.v1

# tf.compat.v1's per-graph variable and variable-scope stores live in these
# graph collections; a function graph starts from a copy of the outer graph's,
# so a second trace would see "bert" taken and name its scope "bert_1".
_VARIABLE_SCOPE_COLLECTIONS = (("__variable_store",), ("__varscope",))


def fresh_variable_scopes():
    """Starts the current (function) graph's variable scopes afresh, so that
    every trace names its variables as the first one did."""
    for key in _VARIABLE_SCOPE_COLLECTIONS:
        del tf1.get_collection_ref(key)[:]


def _collections_of(kwargs):
    collections = list(kwargs.get("collections") or
                       [tf1.GraphKeys.GLOBAL_VARIABLES])
    if (kwargs.get("trainable") is not False
            and tf1.GraphKeys.LOCAL_VARIABLES not in collections
            and tf1.GraphKeys.TRAINABLE_VARIABLES not in collections):
        collections.append(tf1.GraphKeys.TRAINABLE_VARIABLES)
    return collections


class VariableStore(object):
    """The variables one phase's functions share, by name (the checkpoint's)."""

    def __init__(self):
        self._variables = {}
        self._local_names = set()
        self._trainable_names = []

    @contextlib.contextmanager
    def scope(self):
        """Variables made in this scope (in any trace) come from the store."""
        with tf.variable_creator_scope(self._creator):
            yield

    def _creator(self, next_creator, **kwargs):
        # Slots made in eager mode are named "<variable>/adam_m/".
        name = kwargs["name"].rstrip("/")
        collections = _collections_of(kwargs)
        variable = self._variables.get(name)
        if variable is None:
            with tf.init_scope():
                variable = next_creator(**kwargs)
            self._variables[name] = variable
            if tf1.GraphKeys.LOCAL_VARIABLES in collections:
                self._local_names.add(name)
            elif tf1.GraphKeys.TRAINABLE_VARIABLES in collections:
                self._trainable_names.append(name)
        if not tf.executing_eagerly():
            for collection in collections:
                if not any(known is variable
                           for known in tf1.get_collection(collection)):
                    tf1.add_to_collection(collection, variable)
        return variable

    def get(self, name):
        return self._variables[name]

    def trainable_variables(self):
        """The trainable variables, in the order they were made."""
        return [self._variables[name] for name in self._trainable_names]

    def saved_variables(self):
        """{checkpoint name: variable} of what a checkpoint holds: every
        variable but the local (metric) ones."""
        return {name: variable for name, variable in self._variables.items()
                if name not in self._local_names}
