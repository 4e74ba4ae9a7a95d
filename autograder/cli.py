"""dgm-grade: the instructor's command line around nbgrader. `dgm-grade --help` lists the steps."""

from __future__ import annotations

import argparse
import sys

from .course import assignments, course_root, nbgrader


def release(args: argparse.Namespace) -> int:
    """Regenerate homeworks/ from solutions/ with `nbgrader generate_assignment`."""
    root = course_root()
    names = args.assignments or assignments(root)
    if not names:
        print("solutions/ holds no assignment yet: nothing to release")
        return 0
    for name in names:
        result = nbgrader(root, "generate_assignment", name, "--force", check=False)
        if result.returncode:
            print(result.stdout + result.stderr, file=sys.stderr)
            print(f"release of {name} failed", file=sys.stderr)
            return result.returncode
        print(f"released {name} -> homeworks/{name}/")
    return 0


def demo(args: argparse.Namespace) -> int:
    """The main job: what the course can do today, end to end, on data that ships offline."""
    from .demo import run_demo

    return run_demo(args.output)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dgm-grade", description=__doc__)
    steps = parser.add_subparsers(dest="step", required=True, metavar="STEP")

    p = steps.add_parser("release", help=release.__doc__, description=release.__doc__)
    p.add_argument("assignments", nargs="*", help="assignments to release (default: every one in solutions/)")
    p.set_defaults(func=release)

    p = steps.add_parser("demo", help=demo.__doc__, description=demo.__doc__)
    p.add_argument("--output", default="demo_output", help="folder for the figures (default: demo_output)")
    p.set_defaults(func=demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
