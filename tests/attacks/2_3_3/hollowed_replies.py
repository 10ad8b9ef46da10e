"""The reference solution, whose process answers every step with what the grader's own step returns, hollowed: the
keys kept, every list emptied, every number, text, tensor and truth value spoiled. A check that still passes
checked nothing of the student's answer, so this attack must score nothing."""
BASE = "reference"
EXPECT = "nothing"
# ---- attack ----
hollow_every_step(globals())
