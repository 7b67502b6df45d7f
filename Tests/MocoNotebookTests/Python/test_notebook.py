"""A notebook rendered by moco (`moco render --to ipynb`), executed again by nbclient through the moco kernel, gives
the same text outputs and the same plots.

Usage: test_notebook.py NOTEBOOK.ipynb   (JUPYTER_PATH names the folder of the moco kernelspec)

The kernel works in the render's folder, so the paths a notebook prints are the same, and files it reads beside the
notebook (a companion folder) are found there."""
import os
import sys

import nbclient
import nbformat


def texts(cell):
    """A code cell's printed text, its value and how many PNG images it shows."""
    stdout = "".join(o["text"] for o in cell["outputs"] if o["output_type"] == "stream" and o["name"] == "stdout")
    values = ["".join(o["data"]["text/plain"]) for o in cell["outputs"] if o["output_type"] == "execute_result"]
    images = sum(1 for o in cell["outputs"] if o["output_type"] == "display_data" and "image/png" in o["data"])
    errors = [o["evalue"] for o in cell["outputs"] if o["output_type"] == "error"]
    return stdout, values, images, errors


def check(path):
    name = os.path.splitext(os.path.basename(path))[0]
    rendered = nbformat.read(path, as_version=4)
    executed = nbformat.read(path, as_version=4)
    for cell in executed.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbclient.NotebookClient(executed, kernel_name="moco", timeout=900,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}}).execute()
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
    failures = check(sys.argv[1])
    print(f"{os.path.basename(sys.argv[1])}: {'ok' if not failures else str(len(failures)) + ' differences'}")
    if failures:
        print("\n".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
