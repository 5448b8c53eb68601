"""`import tokenization` in a clone is bert/tokenization.py: see bert/clone.py."""
from bert import clone

clone.stand_in(__name__, "tokenization")
