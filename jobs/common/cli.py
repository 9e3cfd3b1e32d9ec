"""Argument types and the error handling every job's entry point shares."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable

from common.lake import parse_day, parse_partition


def day_arg(text: str):
    try:
        return parse_day(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def partition_arg(text: str):
    try:
        return parse_partition(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


class UsageError(Exception):
    """Bad arguments discovered after parsing (exit 2, message only)."""


def run_main(job: str, body: Callable[[], None]) -> int:
    """Run ``body``; turn failures into one ``<job>: error: ...`` line on stderr and an exit
    code (2 usage, 1 failure) instead of a stack trace (set ``JOB_DEBUG=1`` to see it)."""
    try:
        body()
    except UsageError as e:
        print(f"{job}: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - the job's single error boundary
        if os.environ.get("JOB_DEBUG"):
            traceback.print_exc()
        java = getattr(e, "java_exception", None)  # Py4JJavaError: the JVM's own message
        text = str(java.toString()) if java is not None else f"{type(e).__name__}: {e}"
        first = (text.strip().splitlines() or [type(e).__name__])[0]
        print(f"{job}: error: {first}", file=sys.stderr)
        return 1
    return 0
