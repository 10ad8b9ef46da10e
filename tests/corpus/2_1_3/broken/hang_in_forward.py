"""Broken: TwoLayerNet.forward never returns and ignores SIGALRM; the worker is killed at the time limit."""
LOST = ["2_1_3.ex1"]
MESSAGE = "did not finish"
EXTRA_ARGS = ["--time-limit-factor", "0.15"]
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)


class TwoLayerNet(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        while True:
            pass
