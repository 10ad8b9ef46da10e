"""A forged reply: a thread started at import finds the process's pipes and sockets in /proc/self/fd, reads
the grader's requests off them before the harness does, and answers each with gradekit's own wire format,
claiming success with the values it can find (the request's inputs, weights and settings). Before the grading
rule a forger like this won every check of 2.3.1 and 2.3.2 through `gradekit grade`.
The honest work: the starter."""
import threading

# ---- attack ----


def answer_everything():
    from gradekit.harness import wire

    for channel in reply_channels():
        while True:
            try:
                request, blobs = wire.read_frame(channel)
            except Exception:
                break
            forge_reply(channel, request, blobs)


threading.Thread(target=answer_everything, daemon=True).start()
