"""The reference solution, whose process answers every step with what the grader's own step returns, hollowed: the
keys kept, every list emptied, every number, text, tensor and truth value spoiled. A check that still passes
checked nothing of the student's answer, so this attack must score nothing, but from the flight recorder's checks:
they read the event files log_history wrote back from disk themselves, and the attack leaves those as they were."""
BASE = "reference"
EXPECT = "nothing"
STILL_PASS = ["test_every_value_is_recorded_under_its_name", "test_each_value_is_at_its_epochs_step",
              "test_recorder_writes_three_series_into_a_new_nested_folder"]
# ---- attack ----
hollow_every_step(globals())
