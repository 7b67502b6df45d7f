"""torchvision's side of `moco-bench augment`: statistics of the CIFAR-10 demo's augmentation (moco_ref.py's
`v2_cifar_aug`, on PIL images as the demo feeds them) over many draws on the same images as ours.

Usage: augment_stats.py SHARED_BENCH_DIR DATA_DIR --images N --draws D --seed S
Prints one JSON object: {statistic: [mean, standard deviation, count]}. The statistics:
  crop.area, crop.log_aspect     RandomResizedCrop.get_params: box area / image area, log(width / height)
  jitter.brightness ... .hue     ColorJitter.get_params: the factors
  jitter.first.OP                whether OP (brightness, contrast, saturation, hue) is applied first
  rate.jitter, rate.grayscale, rate.flip
                                 whether RandomApply(ColorJitter), RandomGrayscale, RandomHorizontalFlip changed the image
  after.STEP.mean.C, after.STEP.std
                                 per image: the mean of channel C (R, G, B) and the standard deviation of all pixels
                                 after the pipeline up to STEP (crop, jitter, grayscale, flip, normalize), in [0, 1]
                                 before normalize
"""
import argparse
import json
import math
import sys

import numpy as np
import torch
import torchvision.transforms as T
import torchvision.transforms.functional as TF
from PIL import Image

parser = argparse.ArgumentParser()
parser.add_argument("shared")
parser.add_argument("data")
parser.add_argument("--images", type=int, default=500)
parser.add_argument("--draws", type=int, default=20)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
sys.path.insert(0, args.shared)
import moco_ref  # noqa: E402

torch.manual_seed(args.seed)
images, _, _, _ = moco_ref.load_cifar_bin(args.data)
pil = [Image.fromarray(a) for a in images[:args.images]]
aug = moco_ref.v2_cifar_aug()
crop, jitter_apply, gray, flip, to_tensor, normalize = aug.transforms
jitter = jitter_apply.transforms[0]
stats = {}


def add(name, value):
    stats.setdefault(name, []).append(float(value))


def as_array(img):
    return np.asarray(img, dtype=np.float32) / 255 if isinstance(img, Image.Image) else img.numpy().transpose(1, 2, 0)


names = ["brightness", "contrast", "saturation", "hue"]
steps = ["crop", "jitter", "grayscale", "flip", "normalize"]
for im in pil:
    for _ in range(args.draws):
        top, left, h, w = T.RandomResizedCrop.get_params(im, crop.scale, crop.ratio)
        add("crop.area", h * w / (im.width * im.height))
        add("crop.log_aspect", math.log(w / h))
        order, b, c, s, hue = T.ColorJitter.get_params(jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue)
        for n, v in zip(names, (b, c, s, hue)):
            add("jitter." + n, v)
        for i, n in enumerate(names):
            add("jitter.first." + n, int(order[0]) == i)
        x = crop(im)
        y = jitter_apply(x)
        add("rate.jitter", not np.array_equal(np.asarray(x), np.asarray(y)))
        z = gray(x)
        za = np.asarray(z)
        add("rate.grayscale", bool((za[..., 0] == za[..., 1]).all() and (za[..., 1] == za[..., 2]).all()))
        f = flip(x)
        add("rate.flip", not np.array_equal(np.asarray(f), np.asarray(x)))
        # The pipeline up to each step (the demo's transforms, in order).
        out = im
        for name, t in zip(steps, (crop, jitter_apply, gray, flip, None)):
            out = t(out) if t is not None else normalize(to_tensor(out))
            a = as_array(out)
            for ch, cn in enumerate("RGB"):
                add(f"after.{name}.mean.{cn}", a[..., ch].mean())
            add(f"after.{name}.std", a.std())
print(json.dumps({k: [float(np.mean(v)), float(np.std(v)), len(v)] for k, v in stats.items()}))
