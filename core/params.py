"""Parameter constraints declared next to each setting and checked with one error template.

In the spirit of scikit-learn's ``_parameter_constraints``: a dataclass field
declares what it accepts with :func:`setting` (the constraints travel in the
field's metadata), an estimator lists them in a ``_parameter_constraints``
dict, and :func:`check_fields` / :func:`check_params` check them all. A value
that fits none of its field's constraints raises :class:`core.errors.InputError`
naming the field, the value and what is allowed, so the command line exits
with status 2 and the app places the message beside the control.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass

from core.errors import InputError

__all__ = ["Interval", "Options", "OfType", "REQUIRED", "setting", "constraints_of", "accepts", "check_value",
           "check_fields", "check_params"]

_BRACKETS = {"both": "[]", "left": "[)", "right": "(]", "neither": "()"}


@dataclass(frozen=True)
class Interval:
    """A whole number (``kind=int``) or a finite real number (``kind=float``) between two bounds.

    ``None`` for a bound means unbounded; ``closed`` says which bounds belong
    to the interval ("both", "left", "right" or "neither"). Booleans are
    never numbers here.
    """

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"

    def __post_init__(self):
        if self.kind not in (int, float) or self.closed not in _BRACKETS:
            raise ValueError(f"bad Interval declaration {self!r}")

    def accepts(self, value) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if not isinstance(value, numbers.Real) or not math.isfinite(value):
            return False
        if self.low is not None and (value < self.low or (value == self.low and self.closed in ("right", "neither"))):
            return False
        if self.high is not None and (value > self.high
                                      or (value == self.high and self.closed in ("left", "neither"))):
            return False
        return True

    def describe(self) -> str:
        what = "a whole number" if self.kind is int else "a number"
        low, high = _number(self.low), _number(self.high)
        opening, closing = _BRACKETS[self.closed]
        if self.low is not None and self.high is None:
            return f"{what} {'≥' if opening == '[' else '>'} {low}"
        if self.high is not None and self.low is None:
            return f"{what} {'≤' if closing == ']' else '<'} {high}"
        if self.low is None:
            return what
        return f"{what} in {opening}{low}, {high}{closing}"


def _number(value) -> str:
    """``10,000`` for whole numbers, ``0.05`` or ``1e-09`` otherwise."""
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e16:
        return f"{int(value):,}"
    return f"{value:g}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values (compared with ``==``; ``None`` may be one of them)."""

    values: tuple

    def accepts(self, value) -> bool:
        return any(value is v or (v is not None and isinstance(value, type(v)) and value == v) for v in self.values)

    def describe(self) -> str:
        names = ", ".join("None" if v is None else repr(v) for v in self.values)
        return f"one of {names}" if len(self.values) > 1 else names


@dataclass(frozen=True)
class OfType:
    """Any value of the given type(s); ``name`` says it in words (e.g. "a column name")."""

    types: tuple
    name: str
    items: type | None = None  # for tuples: the type of every element

    def accepts(self, value) -> bool:
        if not isinstance(value, self.types) or (bool not in self.types and isinstance(value, bool)):
            return False
        return self.items is None or all(isinstance(v, self.items) for v in value)

    def describe(self) -> str:
        return self.name


REQUIRED = dataclasses.MISSING  # a setting without a default


def setting(default, *allowed):
    """A dataclass field with ``default`` (or :data:`REQUIRED`) whose value must fit at least one of ``allowed``."""
    return dataclasses.field(default=default, metadata={"allowed": tuple(allowed)})


def constraints_of(cls) -> dict:
    """``{field name: allowed constraints}`` for every declared field of a dataclass (class or instance)."""
    return {f.name: f.metadata["allowed"] for f in dataclasses.fields(cls) if "allowed" in f.metadata}


def accepts(cls, name: str, value) -> bool:
    """Whether the declared field ``name`` of the dataclass ``cls`` accepts ``value`` (for untrusted input)."""
    return any(c.accepts(value) for c in constraints_of(cls)[name])


def describe(allowed) -> str:
    """The allowed values in words, e.g. "a number in (0, 0.5)" or "one of 'a', 'b'"."""
    return " or ".join(c.describe() for c in allowed)


def check_value(name: str, value, allowed) -> None:
    """Raise the one InputError template unless ``value`` fits one of ``allowed``."""
    if any(c.accepts(value) for c in allowed):
        return
    rule = describe(allowed)
    raise InputError(f"{name} = {value!r} is not allowed: it must be {rule}.", f"Set {name} to {rule}.", field=name)


def check_fields(obj) -> None:
    """Check every declared field of the dataclass instance ``obj``."""
    for name, allowed in constraints_of(obj).items():
        check_value(name, getattr(obj, name), allowed)


def check_params(estimator) -> None:
    """Check every parameter an estimator lists in its ``_parameter_constraints``."""
    for name, allowed in type(estimator)._parameter_constraints.items():
        check_value(name, getattr(estimator, name), allowed)
