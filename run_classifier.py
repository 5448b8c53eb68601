"""`python run_classifier.py` in a clone runs bert/run_classifier.py: see
bert/clone.py."""
from bert import clone

clone.stand_in(__name__, "run_classifier")
