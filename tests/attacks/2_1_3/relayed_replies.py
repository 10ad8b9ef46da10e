"""The control for the attacks that take over the student's end of the channel (empty_*_answers, hollowed_replies):
the reference, whose process takes it over the same way but answers every step with the grader's own step result
unchanged, scores exactly what the reference scores. So when those attacks score nothing, their replies did it,
not a takeover that broke."""
BASE = "reference"
EXPECT = "same"
# ---- attack ----
relay_every_step(globals())
