"""Execute one notebook headless on the wsol-lab kernel, then export it to HTML.

Usage: python run_notebook.py <notebook.ipynb> <out-dir> [--timeout SECONDS] [--mathjax URL]

Writes <out-dir>/<name>.ipynb (executed) and <out-dir>/<name>.html (nbconvert's lab template).
On a failing cell it prints one JSON line {"ok": false, "cell": i, "source": ..., "error": ...}
and exits 1; on success {"ok": true, "seconds": ..., "cells": [...per-cell seconds...]}.
"""
import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter


def describe(failure: Exception) -> str:
    """The kernel's own words: tslab reports errors on stderr, which nbclient quotes in its message."""
    text = str(failure)
    if "----- stderr -----" in text:
        text = text.split("----- stderr -----", 1)[1].split("------------------", 1)[0]
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return f"{type(failure).__name__}: " + "\n".join(lines[:15])


def main() -> int:
    src, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    timeout = int(sys.argv[sys.argv.index("--timeout") + 1]) if "--timeout" in sys.argv else 120
    mathjax = sys.argv[sys.argv.index("--mathjax") + 1] if "--mathjax" in sys.argv else None
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="wsol-lab", allow_errors=False,
                            resources={"metadata": {"path": str(src.parent)}})
    started = time.time()
    failure = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        failure = error
    seconds = time.time() - started
    nbformat.write(nb, out_dir / src.name)
    if failure is not None:
        index, cell = next(((i, c) for i, c in reversed(list(enumerate(nb.cells)))
                            if c.cell_type == "code" and c.get("execution_count") is not None),
                           (None, None))
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        if errors:
            index, cell = next((i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"
                               and any(o.get("output_type") == "error" for o in c.get("outputs", [])))
        error_text = (f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors
                      else describe(failure))
        print(json.dumps({"ok": False, "cell": None if index is None else index + 1, "source": cell.source if cell else None,
                          "error": error_text, "seconds": seconds}))
        return 1
    exporter = HTMLExporter(template_name="lab", **({"mathjax_url": mathjax} if mathjax else {}))
    html, _ = exporter.from_notebook_node(nb)
    (out_dir / (src.stem + ".html")).write_text(html, encoding="utf-8")
    cells = [c.get("metadata", {}).get("execution", {}) for c in nb.cells if c.cell_type == "code"]
    print(json.dumps({"ok": True, "seconds": seconds, "cells": len(cells)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
