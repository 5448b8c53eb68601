"""`import modeling` in a clone is bert/modeling.py: see bert/clone.py."""
from bert import clone

clone.stand_in(__name__, "modeling")
