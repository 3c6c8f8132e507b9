"""The import baseline: the same XLSX read with openpyxl (streaming), each row inserted as it is — no
validation, no rules — and committed on its own. ``python3 bench/baseline_import.py URL FILE
--max-seconds S`` prints ``{"rows", "seconds", "finished", "peak_rss_kb"}`` as JSON; the database and
its settings are the service's (bench.baseline_app.make_engine)."""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import JSON, Column, MetaData, String, Table  # noqa: E402

from bench.baseline_app import make_engine  # noqa: E402

ROWS = Table("bench_baseline_import", MetaData(), Column("id", String(36), primary_key=True),
             Column("cells", JSON, nullable=False))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("file", type=Path)
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args(argv)
    from openpyxl import load_workbook

    engine = make_engine(args.url)
    ROWS.create(engine, checkfirst=True)
    started = time.monotonic()
    wb = load_workbook(args.file, read_only=True, data_only=True)
    rows, finished = 0, True
    with engine.connect() as conn:
        for n, row in enumerate(wb.worksheets[0].iter_rows(values_only=True)):
            if n == 0:
                continue
            with conn.begin():  # one transaction, one commit, per row
                conn.execute(ROWS.insert(), {"id": str(uuid.uuid4()), "cells": [
                    c.isoformat() if hasattr(c, "isoformat") else c for c in row]})
            rows += 1
            if time.monotonic() - started > args.max_seconds:
                finished = False
                break
    wb.close()
    print(json.dumps({"rows": rows, "seconds": round(time.monotonic() - started, 3), "finished": finished,
                      "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
