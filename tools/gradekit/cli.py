"""The instructor's one command: `gradekit build | verify`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _root(value: str | None) -> Path:
    """The project root: --root, else the nearest folder above the cwd holding solutions/."""
    if value:
        return Path(value).resolve()
    here = Path.cwd().resolve()
    for folder in [here, *here.parents]:
        if (folder / "solutions").is_dir():
            return folder
    raise SystemExit("gradekit: no solutions/ folder here or above; pass --root")


def cmd_build(args: argparse.Namespace) -> int:
    """Write assignments/ from solutions/ (or, with --check, fail when the committed files are stale)."""
    from .build.pipeline import build
    from .build.regions import RegionError

    root = _root(args.root)
    try:
        result = build(root, args.lessons or None, check=args.check)
    except (RegionError, ValueError) as error:
        print(f"gradekit build: {error}", file=sys.stderr)
        return 2
    if args.check:
        if result.stale:
            print("gradekit build --check: these files are stale; run `gradekit build` and commit them:")
            for path in result.stale:
                print(f"  {path.relative_to(root)}")
            return 1
        print("gradekit build --check: assignments/ is up to date")
        return 0
    for path in result.written:
        print(f"wrote {path.relative_to(root)}")
    if not result.written:
        print("assignments/ already up to date")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Build, then grade each lesson's reference solution and starter: the solution must score 100 %, the starter 0 %."""
    from .verify import verify

    return verify(_root(args.root), args.lessons or None, hidden=not args.public_only)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gradekit", description=__doc__)
    parser.add_argument("--root", help="project root (default: found from the current folder)")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="write assignments/<lesson>/ from solutions/<lesson>/")
    build.add_argument("lessons", nargs="*", help="lesson ids, e.g. 2_3_1 (default: all)")
    build.add_argument("--check", action="store_true", help="fail if the committed assignments/ are stale")
    build.set_defaults(func=cmd_build)

    verify = commands.add_parser("verify", help="build, then prove: solution 100 %%, starter 0 %% per lesson")
    verify.add_argument("lessons", nargs="*", help="lesson ids (default: every lesson with graders)")
    verify.add_argument("--public-only", action="store_true", help="leave the hidden checks out")
    verify.set_defaults(func=cmd_verify)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
