"""`python convert_hf_checkpoint.py` in a clone runs bert/convert_hf_checkpoint.py: see
bert/clone.py."""
from bert import clone

clone.stand_in(__name__, "convert_hf_checkpoint")
