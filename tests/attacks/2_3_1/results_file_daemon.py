"""A daemon that outlives the worker (double fork, new session) and keeps rewriting results.json after
grading has written it."""
import json, os, time

# ---- attack ----
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(40):
            time.sleep(0.25)
            for root, _, files in os.walk("@@OUT@@"):
                if "results.json" in files:
                    try:
                        with open(os.path.join(root, "results.json"), "w") as handle:
                            json.dump({"score": 1000, "tests": []}, handle)
                    except OSError:
                        pass
            try:
                with open("@@DECOY@@.daemon", "w") as handle:
                    handle.write("the daemon outlived the worker")
            except OSError:
                pass
        os._exit(0)
    os._exit(0)
