# The attacker's toolkit, a cell before every attack: make every exercise of 2.2.2 do one thing, and speak for
# the grader on whatever channel the process holds.
def every_exercise(attack):
    """Put `attack` in place of every function (and the class) the 2.2.2 checks call."""
    global softmax, cross_entropy, accuracy, MNISTClassifier, evaluate, train_model
    softmax = cross_entropy = accuracy = MNISTClassifier = evaluate = train_model = attack


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
    """A reply claiming every check's success, built from what the request holds (its logits, weights and
    settings) and the lesson's contract: no model, no training, no counting."""
    import torch

    logits = args.get("logits") if torch.is_tensor(args.get("logits")) else torch.zeros(4, 10)
    inputs = args.get("inputs") if torch.is_tensor(args.get("inputs")) else torch.zeros(64, 1, 28, 28)
    trace = {"calls": [], "output": torch.zeros(len(inputs), 10)}
    return {
        "returned": torch.full_like(logits, 1 / logits.shape[-1]), "input_unchanged": True, "is_tensor": True, "shape": [],
        "type": "dict", "keys": ["accuracy", "loss"], "loss": [0.5, 0.3], "accuracy": [0.9, 0.95],
        "first": 0.75, "second": 0.75, "calls": [{"training": False, "grad": False}],
        "trace": trace, "eval": trace, "eval_again": trace["output"], "train_a": trace, "train_b": trace,
        "config": "{}", **(args.get("weights") or {}),
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
