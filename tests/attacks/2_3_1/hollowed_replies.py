"""The reference solution, whose process answers every step with what the grader's own step returns, hollowed: the
keys kept, every list emptied, every number, text, tensor and truth value spoiled. A check that still passes
checked nothing of the student's answer, so this attack must score nothing, but from the checks that read the
files save_model and save_checkpoint wrote back from disk themselves (model.pth, checkpoint.pt): the attack leaves
those as they were."""
BASE = "reference"
EXPECT = "nothing"
STILL_PASS = ["test_save_model_writes_a_state_dict", "test_save_checkpoint_keys_and_values",
              "test_checkpoint_holds_the_optimizer_state"]
# ---- attack ----
hollow_every_step(globals())
