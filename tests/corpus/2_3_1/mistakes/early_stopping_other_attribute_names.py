"""Mistake: EarlyStopping stops at the right epoch but keeps its state as `best` and `wait`, not the attributes
`best_loss` and `counter` the exercise asks for."""
CAUGHT_BY = {"test_early_stopping_tracks_best_loss_and_counter": "the lowest validation loss so far"}


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta, self.best, self.wait = patience, min_delta, float("inf"), 0

    def step(self, val_loss):
        if val_loss < self.best - self.min_delta:
            self.best, self.wait = val_loss, 0
        else:
            self.wait += 1
        return self.wait >= self.patience
