"""The `explorer` command: a window on the given checkpoints, or a headless subcommand."""

from __future__ import annotations

import sys

from explorer import cli

USAGE = """usage: explorer [PATH ...]          open a window on each checkpoint PATH, or a tab
                                    each in the window already open on this display
       explorer --new-window [PATH ...]
                                    a window of its own even when one is open
       explorer inspect PATH [...]   list or read a checkpoint without a window
       explorer run PATH --feed NAME=FILE.npz [...]
                                    restore the model and run it on sample inputs
       explorer --help | --version"""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in cli.SUBCOMMANDS:
        return cli.main(args)
    if args and args[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if args and args[0] == "--version":
        from explorer import __version__

        print(f"explorer {__version__}")
        return 0
    new_window = "--new-window" in args
    args = [a for a in args if a != "--new-window"]
    unknown = [a for a in args if a.startswith("-")]
    if unknown:
        print(f"explorer: unknown option {unknown[0]}; see `explorer --help`.", file=sys.stderr)
        return 2
    from explorer.display import display_problem

    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from explorer.ui.application import run_gui

    return run_gui(args, new_window=new_window)
