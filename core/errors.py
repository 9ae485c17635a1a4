"""Errors raised for bad user input."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: what is wrong and how to fix it.

    The app shows ``problem`` and ``fix`` next to the control named by
    ``field``; the command line prints both and exits with status 2.

    Parameters
    ----------
    problem : str
        What is wrong, naming the column, value or file.
    fix : str
        What the user can do about it.
    field : str, optional
        The setting the problem belongs to (e.g. ``"score"``), so a page can
        place the message beside the control that fixes it.
    """

    def __init__(self, problem: str, fix: str, *, field: str | None = None):
        super().__init__(f"{problem} {fix}")
        self.problem = problem
        self.fix = fix
        self.field = field


class InputWarning(UserWarning):
    """A suspicious but usable input, such as a feature that leaks the outcome."""
