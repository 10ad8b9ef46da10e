"""Delete what the judge owns: the reports folder, a file of the judge's, the submission's own files."""
import os
import shutil

# ---- attack ----
for target in ("@@OUT@@", "@@DECOY@@"):
    try:
        (shutil.rmtree if os.path.isdir(target) else os.remove)(target)
    except OSError:
        pass
for name in os.listdir(os.path.dirname(__file__) or "."):
    try:
        os.remove(os.path.join(os.path.dirname(__file__) or ".", name))
    except OSError:
        pass
