"""The one-line JSON job summary."""

from __future__ import annotations

import json
import sys
import time


class JobMetrics:
    """Times a job and builds its summary line."""

    def __init__(self, job: str) -> None:
        self.job = job
        self.started = time.monotonic()

    def summary(
        self,
        *,
        rows_in: int,
        rows_out: int,
        rows_quarantined: int,
        input_files_bytes: int,
        **extra: object,
    ) -> dict[str, object]:
        return {
            "job": self.job,
            "rows_in": rows_in,
            "rows_out": rows_out,
            "rows_quarantined": rows_quarantined,
            "seconds": round(time.monotonic() - self.started, 3),
            "input_files_bytes": input_files_bytes,
            **extra,
        }


def emit(summary: dict[str, object]) -> None:
    """Print the summary as the last line on stdout."""
    sys.stdout.flush()
    print(json.dumps(summary, sort_keys=False, default=str), flush=True)
