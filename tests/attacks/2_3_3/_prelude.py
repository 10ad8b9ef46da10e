# The attacker's toolkit, a cell before every attack: make every exercise of 2.3.3 do one thing, and speak for
# the grader on whatever channel the process holds.
def every_exercise(attack):
    """Put `attack` in place of every function the 2.3.3 checks call."""
    global build_model, make_optimizer, per_class_accuracy, run_pipeline, confusion_matrix
    build_model = make_optimizer = per_class_accuracy = run_pipeline = confusion_matrix = attack


def reply_channels():
    """The process's pipes and sockets beyond stdin/stdout/stderr: where a reply to the grader would go."""
    import os

    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue
        if int(name) > 2 and target.startswith(("socket:", "pipe:")):
            found.append(int(name))
    return found


def claimed_success(args):
    """A reply claiming every check's success, built from what the request holds (its inputs, weights and
    settings) and the lesson's contract: no model, no training, no counting."""
    import torch

    inputs = args.get("inputs") if torch.is_tensor(args.get("inputs")) else torch.zeros(64, 1, 28, 28)
    logits = torch.zeros(len(inputs), 10)
    trace = {"calls": [], "output": logits}
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    return {
        "exists": True, "config": "{}", "hardest": ["Shirt", "Pullover", "Coat"], "trace": trace,
        "eval": trace, "eval_again": logits, "train_a": trace, "train_b": trace,
        "type": "dict", "keys": ["best_epoch", "checkpoint", "per_class", "test_accuracy"], "test_accuracy": 0.9,
        "best_epoch": 1, "checkpoint": "pipeline.pt", "checkpoint_type": "str", "per_class_keys": sorted(names),
        "saves": [], "lr": [args.get("lr")], "weight_decay": [args.get("weight_decay")], "all_parameters": True,
        "after": args.get("weights") or {}, "result": {name: 1.0 for name in names},
        "calls": [{"training": False, "grad": False}], "matrix": torch.zeros(10, 10, dtype=torch.int64),
    }


def request_being_served(frame):
    """The request (and its blobs) the harness is serving, found on `frame` or the frames below it."""
    while frame is not None:
        if isinstance(frame.f_locals.get("request"), dict):
            return frame.f_locals["request"], frame.f_locals.get("blobs") or []
        frame = frame.f_back
    return {}, []


def forge_reply(channel, request, blobs):
    """Answer `request` on `channel` as if the step had run and everything had passed."""
    from gradekit.harness import wire

    try:
        args = wire.decode_args(request.get("args") or {}, blobs)
    except Exception:
        args = {}
    tree, out = wire.encode(claimed_success(args))
    wire.write_frame(channel, {"status": "ok", "result": tree, "tampered": []}, out)
