"""`python reproduce.py` in a clone runs bert/reproduce.py: see
bert/clone.py."""
from bert import clone

clone.stand_in(__name__, "reproduce")
