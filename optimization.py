"""`import optimization` in a clone is bert/optimization.py: see bert/clone.py."""
from bert import clone

clone.stand_in(__name__, "optimization")
