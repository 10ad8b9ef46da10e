"""gradekit: build, grade and release the PyTorch course's auto-graded exercises."""

__version__ = "0.1.0"
