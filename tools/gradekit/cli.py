"""The instructor's one command: `gradekit new | build | verify | grade | export | release`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _root(value: str | None) -> Path:
    """The project root: --root, else the nearest folder above the cwd holding solutions/ (or graders/)."""
    if value:
        return Path(value).resolve()
    here = Path.cwd().resolve()
    for folder in [here, *here.parents]:
        if (folder / "solutions").is_dir() or (folder / "graders").is_dir():
            return folder
    raise SystemExit("gradekit: no solutions/ or graders/ folder here or above; pass --root")


def cmd_new(args: argparse.Namespace) -> int:
    """Write a new lesson's files from the one-exercise template (README: *Adding a lesson*)."""
    from .scaffold import new_lesson

    root = Path(args.root).resolve() if args.root else Path.cwd().resolve()
    try:
        written = new_lesson(root, args.lesson, args.title, args.module)
    except ValueError as error:
        print(f"gradekit new: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    print(f"next: gradekit build {args.lesson} && gradekit verify {args.lesson}, then replace the template's exercise")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Write assignments/ from solutions/ and the reference's trained artifacts beside its source (or, with --check,
    fail when the committed files are stale)."""
    from .assign.pipeline import build
    from .assign.regions import RegionError
    from .verify import committed_artifacts, refresh_artifacts, stale_artifacts

    root = _root(args.root)
    try:
        result = build(root, args.lessons or None, check=args.check)
        stale_lessons = stale_artifacts(root, args.lessons or None)
    except (RegionError, ValueError) as error:
        print(f"gradekit build: {error}", file=sys.stderr)
        return 2
    if args.check:
        stale = result.stale + [committed_artifacts(root, lesson) for lesson in stale_lessons]
        if stale:
            print("gradekit build --check: these files are stale; run `gradekit build` and commit them:")
            for path in stale:
                print(f"  {path.relative_to(root)}")
            if stale_lessons:
                print("  (the reference's artifacts are made from another version of its source or recipe: "
                      "`gradekit build` trains them again, minutes)")
            return 1
        print("gradekit build --check: assignments/ and the reference artifacts are up to date")
        return 0
    written = result.written + (refresh_artifacts(root, args.lessons or None) if stale_lessons else [])
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    if not written:
        print("assignments/ already up to date")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Build, then grade each lesson's reference solution and starter: the solution must score 100 %, the starter 0 %."""
    from .verify import verify

    return verify(_root(args.root), args.lessons or None, hidden=not args.public_only)


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade submissions with every check (hidden ones too) and write results.json, JUnit, Markdown and CSV."""
    from .grading.batch import GradeOptions, grade_batch
    from .grading.writers import overview_text

    root = _root(args.root)
    if not (root / "graders" / args.lesson).is_dir():
        print(f"gradekit grade: no graders for lesson {args.lesson!r} under {root / 'graders'}", file=sys.stderr)
        return 2
    options = GradeOptions(jobs=max(1, args.jobs), hidden=not args.public_only, timeout=args.timeout,
                           time_limit_factor=args.time_limit_factor)
    out = Path(args.out).resolve()
    try:
        grades = grade_batch(root, args.lesson, [Path(s).resolve() for s in args.submissions], out, options)
    except ValueError as error:
        print(f"gradekit grade: {error}", file=sys.stderr)
        return 2
    for grade in grades:
        print(f"{grade.name}: {overview_text(grade).splitlines()[0]}")
    print(f"wrote {out}: results.json, feedback.md, junit.xml, summary.md, gradebook.csv")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Pack a lesson as a Gradescope autograder zip, or write a GitHub Actions workflow that grades it."""
    from .grading.export import export_github, export_gradescope

    root = _root(args.root)
    out = Path(args.out).resolve()
    try:
        written = (export_gradescope if args.platform == "gradescope" else export_github)(root, args.lesson, out)
    except ValueError as error:
        print(f"gradekit export: {error}", file=sys.stderr)
        return 2
    print(f"wrote {written}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    """Write the student bundle (a folder and a zip): starters, notebooks, public checks, the harness."""
    from .release import ReleaseError, release_bundle

    try:
        result = release_bundle(_root(args.root), args.lessons or None, Path(args.out).resolve())
    except ReleaseError as error:
        print(f"gradekit release: {error}", file=sys.stderr)
        return 1
    print(f"wrote {result.folder} and {result.zip}: {len(result.files)} files, lessons {', '.join(result.lessons)}")
    for finding in result.accepted:
        print(f"  accepted overlap (release_files/accepted_overlaps.json): {finding.describe()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gradekit", description=__doc__)
    parser.add_argument("--root", help="project root (default: found from the current folder)")
    commands = parser.add_subparsers(dest="command", required=True)

    new = commands.add_parser("new", help="write a new lesson's files from a one-exercise template")
    new.add_argument("lesson", help="the new lesson's id, e.g. 2_1_5")
    new.add_argument("--title", required=True, help="the lesson's title, e.g. 'Tensors and autograd'")
    new.add_argument("--module", help="the source module's name (default: from the title)")
    new.set_defaults(func=cmd_new)

    build = commands.add_parser("build", help="write assignments/<lesson>/ from solutions/<lesson>/")
    build.add_argument("lessons", nargs="*", help="lesson ids, e.g. 2_3_1 (default: all)")
    build.add_argument("--check", action="store_true", help="fail if the committed assignments/ are stale")
    build.set_defaults(func=cmd_build)

    verify = commands.add_parser("verify", help="build, then prove: solution 100 %%, starter 0 %% per lesson")
    verify.add_argument("lessons", nargs="*", help="lesson ids (default: every lesson with graders)")
    verify.add_argument("--public-only", action="store_true", help="leave the hidden checks out")
    verify.set_defaults(func=cmd_verify)

    grade = commands.add_parser("grade", help="grade submissions (.py, .ipynb, folder or .zip) with every check")
    grade.add_argument("lesson", help="lesson id, e.g. 2_3_1")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="files, folders or zips to grade")
    grade.add_argument("--out", default="grades", help="where the reports go (default: ./grades)")
    grade.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                       help="submissions graded at once, and workers running at once (default 2)")
    grade.add_argument("--public-only", action="store_true", help="leave the hidden checks out")
    grade.add_argument("--timeout", type=float, default=900.0, help="seconds one submission may take in all")
    grade.add_argument("--time-limit-factor", type=float, default=1.0, help="scale every check's time limit")
    grade.set_defaults(func=cmd_grade)

    export = commands.add_parser("export", help="pack a lesson for a grading platform")
    export.add_argument("platform", choices=["gradescope", "github"])
    export.add_argument("lesson", help="lesson id, e.g. 2_3_1")
    export.add_argument("--out", default="exports", help="folder to write into (default: ./exports)")
    export.set_defaults(func=cmd_export)

    release = commands.add_parser("release", help="write the student bundle: a folder and a zip")
    release.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    release.add_argument("--out", default="release", help="folder to write into (default: ./release)")
    release.set_defaults(func=cmd_release)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
