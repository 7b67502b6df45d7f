"""Notebooks rendered by moco, executed again by nbclient through the moco kernel, give the same text outputs and the
same plots.

Usage: test_notebooks.py MOCO NOTEBOOK.moco...   (JUPYTER_PATH names the folder of the moco kernelspec)"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import nbclient
import nbformat


def texts(cell):
    """A code cell's printed text, its value and how many PNG images it shows."""
    stdout = "".join(o["text"] for o in cell["outputs"] if o["output_type"] == "stream" and o["name"] == "stdout")
    values = ["".join(o["data"]["text/plain"]) for o in cell["outputs"] if o["output_type"] == "execute_result"]
    images = sum(1 for o in cell["outputs"] if o["output_type"] == "display_data" and "image/png" in o["data"])
    errors = [o["evalue"] for o in cell["outputs"] if o["output_type"] == "error"]
    return stdout, values, images, errors


def check(moco, source):
    name = os.path.splitext(os.path.basename(source))[0]
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([moco, "render", source, "-o", work, "--to", "ipynb", "--no-cache"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rendered = nbformat.read(os.path.join(work, name + ".ipynb"), as_version=4)
        executed = nbformat.read(os.path.join(work, name + ".ipynb"), as_version=4)
        for cell in executed.cells:
            if cell.cell_type == "code":
                cell.outputs = []
        # A notebook's own files (scale-out/ beside scale-out.moco) travel with it, as they would beside the .ipynb.
        companion = os.path.join(os.path.dirname(source), name)
        if os.path.isdir(companion):
            shutil.copytree(companion, os.path.join(work, name))
        # The kernel works in the render's output folder, so paths the notebook prints are the same.
        nbclient.NotebookClient(executed, kernel_name="moco", timeout=900,
                                resources={"metadata": {"path": work}}).execute()
        failures = []
        for a, b in zip(rendered.cells, executed.cells):
            if a.cell_type != "code":
                continue
            ours, theirs = texts(a), texts(b)
            if ours != theirs:
                failures.append(f"{name}, cell {a.id}:\n  render: {ours}\n  kernel: {theirs}")
            if "plot(" in a.source or "histogram(" in a.source or "gallery(" in a.source:
                if theirs[2] == 0:
                    failures.append(f"{name}, cell {a.id}: a plot cell without an image/png output")
        return failures


def main():
    moco, notebooks = sys.argv[1], sys.argv[2:]
    failures = []
    for source in notebooks:
        found = check(moco, source)
        print(f"{os.path.basename(source)}: {'ok' if not found else str(len(found)) + ' differences'}", flush=True)
        failures += found
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
