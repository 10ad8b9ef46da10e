"""Read the hidden checks and the staff's manifest from disk, and print them into the feedback."""
import glob

# ---- attack ----
for path in glob.glob("@@ROOT@@/graders/2_3_1/hidden/*") + glob.glob("@@ROOT@@/graders/2_3_1/*.py"):
    try:
        print(open(path).read()[:2000])
    except OSError:
        pass
