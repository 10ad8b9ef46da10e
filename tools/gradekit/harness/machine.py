"""Whether this computer can grade at all: the grader's workers are processes forked from a warm one.

Linux and macOS can (macOS in the `process` layer: resource limits only, see sandbox.py); Windows cannot fork.
Where forking is impossible, grading says so in one line before any check and names what to use instead, rather
than letting every check fail with a message that would blame the student's code.
"""

from __future__ import annotations

import os
import platform
import sys
import threading

OWN_THREADS = "gradekit-"  # how gradekit names its threads
INSTEAD = ("Use WSL (Windows Subsystem for Linux: run `wsl --install`, then work in its Ubuntu terminal), Google "
           "Colab, or a Linux or macOS machine. Nothing is wrong with your code.")


def system_name() -> str:
    """"Windows", or the system's own name (Linux, Darwin) for the message."""
    return "Windows" if sys.platform.startswith(("win", "cygwin")) else (platform.system() or "this system")


def cannot_grade_here() -> str | None:
    """The one line a student reads when this computer cannot fork the grader's workers; None when it can.

    Besides looking for os.fork, a process that runs no other thread tries one fork (the child exits at once),
    so a Python whose fork fails is caught too; a threaded one (a Jupyter kernel) is not forked needlessly.
    gradekit's own daemon threads (a judge server's reader, the wait line) do not count: they hold no lock that a
    child which exits at once could need.
    """
    fork = getattr(os, "fork", None)
    if fork is None:
        return _line(f"Python on {system_name()} cannot fork processes")
    if any(thread is not threading.main_thread() and not (thread.daemon and thread.name.startswith(OWN_THREADS))
           for thread in threading.enumerate()):
        return None
    try:
        pid = fork()
    except (OSError, NotImplementedError, RuntimeError) as error:
        return _line(f"this Python cannot fork processes ({type(error).__name__}: {error})")
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return None


def _line(reason: str) -> str:
    return (f"gradekit cannot check your work on this computer: it runs your code in processes forked from a warm "
            f"Python, and {reason}. {INSTEAD}")
