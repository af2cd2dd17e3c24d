"""Argparse types of the command line's options.

The text is parsed here, the range checked by :mod:`playwithnn._validation` (the
rule the playground's settings use too), and argparse names the option in its message.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .._validation import check_int_in_range, check_number_in_range, describe_range


def int_option(low: int | None, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high`` (inclusive; ``None``: no bound)."""
    expected = describe_range(low, high, integer=True)

    def parse(text: str) -> int:
        try:
            return check_int_in_range(int(text), "the value", low, high)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}") from None

    return parse


def number_option(low: float | None, high: float | None = None, *, low_open: bool = False,
                  high_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number in the range (``*_open``: the bound itself is out)."""
    expected = describe_range(low, high, integer=False, low_open=low_open, high_open=high_open)

    def parse(text: str) -> float:
        try:
            return check_number_in_range(float(text), "the value", low, high,
                                         low_open=low_open, high_open=high_open)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}") from None

    return parse


def number(text: str) -> float:
    """An argparse type: any number, its range left to the check that owns it (FitOptions)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; got {text!r}") from None


integer = int_option(None)
positive_int = int_option(1)
non_negative_int = int_option(0)
positive_float = number_option(0.0, low_open=True)
non_negative_float = number_option(0.0)
port = int_option(0, 65535)
