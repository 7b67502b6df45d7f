"""The CIFAR-10 demo's training views, written for moco to train on (`moco-bench cifar-views`): epoch by epoch,
a shuffled order with drop_last batches, and for each image two views from moco_ref.py's `v2_cifar_aug` on PIL
images, stopped before ToTensor and Normalize (moco normalises them as its `cifar` preset does).

Usage: cifar_views.py SHARED_BENCH_DIR DATA_DIR OUT --epochs E [--batch 256] [--seed S]
Writes OUT: uint8, shape [E, steps, 2, batch, 3, 32, 32], steps = images // batch.
"""
import argparse
import sys

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image

parser = argparse.ArgumentParser()
parser.add_argument("shared")
parser.add_argument("data")
parser.add_argument("out")
parser.add_argument("--epochs", type=int, required=True)
parser.add_argument("--batch", type=int, default=256)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
sys.path.insert(0, args.shared)
import moco_ref  # noqa: E402

torch.manual_seed(args.seed)
images, _, _, _ = moco_ref.load_cifar_bin(args.data)
pil = [Image.fromarray(a) for a in images]
pil_part = T.Compose(moco_ref.v2_cifar_aug().transforms[:-2])  # crop, jitter, grayscale, flip
steps = len(pil) // args.batch
with open(args.out, "wb") as f:
    for epoch in range(args.epochs):
        perm = torch.randperm(len(pil))
        for b in range(steps):
            idx = perm[b * args.batch:(b + 1) * args.batch].tolist()
            batch = np.zeros((2, args.batch, 3, 32, 32), dtype=np.uint8)
            for j, i in enumerate(idx):
                for v in range(2):
                    batch[v, j] = np.asarray(pil_part(pil[i]), dtype=np.uint8).transpose(2, 0, 1)
            f.write(batch.tobytes())
        print(f"epoch {epoch + 1} written", file=sys.stderr, flush=True)
