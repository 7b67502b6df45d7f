"""PyTorch reference for `scripts/bench supervised`: one supervised training step
(forward, cross-entropy, backward, SGD) of the CIFAR ResNet-18 of ../shared/bench/moco_ref.py
on 32x32x3 inputs, timed after warm-up. Prints one JSON object.
Usage: supervised_step.py SHARED_BENCH_DIR --width W --batch B --steps N --warmup K --threads T
"""
import argparse
import json
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("shared")
parser.add_argument("--width", type=int, default=64)
parser.add_argument("--batch", type=int, default=256)
parser.add_argument("--steps", type=int, default=3)
parser.add_argument("--warmup", type=int, default=1)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()
sys.path.insert(0, args.shared)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from moco_ref import ResNet18Cifar  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(0)
model = ResNet18Cifar(num_classes=10, width=args.width)
opt = torch.optim.SGD(model.parameters(), lr=0.06, momentum=0.9, weight_decay=5e-4)
x = torch.randn(args.batch, 3, 32, 32)
y = torch.randint(0, 10, (args.batch,))


def step():
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


for _ in range(args.warmup):
    step()
start = time.perf_counter()
for _ in range(args.steps):
    step()
elapsed = time.perf_counter() - start
print(json.dumps({"images_per_s": args.batch * args.steps / elapsed, "torch": torch.__version__}))
