"""Mistake: EarlyStopping counts a loss equal to the best as an improvement (<= instead of <), so a plateau never
stops training."""
CAUGHT_BY = {"test_early_stopping_rule_on_generated_losses": "step() returned"}


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta, self.best_loss, self.counter = patience, min_delta, float("inf"), 0

    def step(self, val_loss):
        if val_loss <= self.best_loss - self.min_delta:
            self.best_loss, self.counter = val_loss, 0
        else:
            self.counter += 1
        return self.counter >= self.patience
