"""What the reference solution must produce before it is graded: best_model.pt, trained by its own pipeline.

`gradekit verify` and the tests call `build(module, folder)` with the reference module imported; the
graders never import this file.
"""

from pathlib import Path


def build(module, folder: Path) -> None:
    """Train the reference with BEST_CONFIG on the full data and save its best state_dict in `folder`."""
    config = dict(module.BEST_CONFIG, checkpoint_path=str(folder / "best_model.pt"), progress=False)
    result = module.run_pipeline(config)
    print(f"reference test accuracy {result['test_accuracy']:.4f}, best epoch {result['best_epoch']}")
