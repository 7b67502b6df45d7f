"""What PyTorch computes with on this machine, for the header of `scripts/bench`: its version, the CPU capability its
own kernels dispatch to (torch.backends.cpu), the BLAS and LAPACK it was built with, and the instruction set its
oneDNN reports when it runs a convolution (ONEDNN_VERBOSE, read from this process's standard output), with the
OpenBLAS settings of the environment it saw. Prints one JSON object on its last line.
Usage: arithmetic.py --threads T
"""
import argparse
import json
import os
import re
import sys
import tempfile

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()

# oneDNN prints its verbose lines from C to file descriptor 1: send them to a file while a convolution runs.
os.environ["ONEDNN_VERBOSE"] = "1"
import torch  # noqa: E402

torch.set_num_threads(args.threads)
sys.stdout.flush()
saved = os.dup(1)
with tempfile.TemporaryFile(mode="w+b") as log:
    os.dup2(log.fileno(), 1)
    try:
        x = torch.randn(8, 16, 16, 16, requires_grad=True)
        w = torch.randn(16, 16, 3, 3, requires_grad=True)
        torch.nn.functional.conv2d(x, w, padding=1).sum().backward()
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    log.seek(0)
    lines = log.read().decode("utf-8", "replace").splitlines()
isa = next((l.split("isa:", 1)[1] for l in lines if ",info,cpu,isa:" in l), "not reported")
config = torch.__config__.show()


def setting(name):
    found = re.search(r"\b" + name + r"=([^,\s]+)", config)
    return found.group(1) if found else "?"


print(json.dumps({
    "torch": torch.__version__,
    "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    "blas": setting("BLAS_INFO"),
    "lapack": setting("LAPACK_INFO"),
    "onednn_isa": isa,
    "threads": torch.get_num_threads(),
    "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
}))
