"""`python classify.py` in a clone runs bert/classify.py: see
bert/clone.py."""
from bert import clone

clone.stand_in(__name__, "classify")
