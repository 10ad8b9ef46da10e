"""The student's process takes over its end of the channel as the submission loads and answers every step the
worker asks for with an empty list, never running the grader's step code: whatever comes back from the student's
process is the student's word, and no check may pass on an empty one. Honest work: nothing (the starter)."""
# ---- attack ----
answer_every_step([])
