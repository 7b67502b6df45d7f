"""W4 of `moco-bench moco`: one whole MoCo v2 epoch of the CIFAR-10 recipe, end to end, with a torch DataLoader.

Usage: epoch_ref.py SHARED_BENCH_DIR DATA_DIR --workers W [--threads T] [--seed S] [--schedule-epochs E]

moco_ref.py's model (ResNet-18 CIFAR variant at width 16, SplitBatchNorm in 8 splits, the v2 MLP head, dim 128,
K 4096, m 0.99, T 0.1), SGD (momentum 0.9, weight decay 5e-4) at epoch 1 of the demo's cosine over E epochs
(default 200), batch 256 with drop_last: one epoch over the images of DATA_DIR/data_batch_*.bin, each batch's two
views made by the demo's v2 augmentation in a DataLoader with W worker processes; then the kNN monitor (backbone
features, k 200, t 0.1) on the DATA_DIR/test_batch*.bin images with the training images as the bank, both
normalised as the demo's test transform does (prepared before the clock starts, as moco's side does).

Prints one line: "SECONDS KNN_PERCENT LOSS", the seconds from the DataLoader's creation to the kNN's result.
"""
import argparse
import math
import sys
import time

import torch
import torch.nn as nn


class Pairs(torch.utils.data.Dataset):
    """The demo's CIFAR10Pair: two independent augmentations of each image."""

    def __init__(self, images, transform):
        self.images, self.transform = images, transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i]), self.transform(self.images[i])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shared")
    parser.add_argument("data")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--schedule-epochs", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, args.shared)
    import moco_ref
    from PIL import Image

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train, train_labels, test, test_labels = moco_ref.load_cifar_bin(args.data)
    pil = [Image.fromarray(a) for a in train]
    tt = moco_ref.test_tf_cifar()
    bank_images = torch.stack([tt(p) for p in pil])
    test_images = torch.stack([tt(Image.fromarray(a)) for a in test])
    bank_labels, test_labels = torch.from_numpy(train_labels), torch.from_numpy(test_labels)

    model = moco_ref.MoCo(moco_ref.encoder_factory("resnet18-w16", 8, 3), dim=128, K=4096, m=0.99, T=0.1, mlp=True)
    lr = 0.06 * 0.5 * (1.0 + math.cos(math.pi * 1 / args.schedule_epochs))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=5e-4, momentum=0.9)
    criterion = nn.CrossEntropyLoss()

    start = time.perf_counter()
    loader = torch.utils.data.DataLoader(
        Pairs(pil, moco_ref.v2_cifar_aug()), batch_size=256, shuffle=True, drop_last=True,
        num_workers=args.workers, persistent_workers=False)
    model.train()
    losses = []
    for im_q, im_k in loader:
        losses.append(moco_ref.train_step(model, optimizer, criterion, im_q, im_k).item())
    bank, _ = moco_ref.extract(model.encoder_q, bank_images)
    features, _ = moco_ref.extract(model.encoder_q, test_images)
    knn = moco_ref.knn_top1(bank, bank_labels, features, test_labels, 200, 0.1)
    seconds = time.perf_counter() - start
    print(f"{seconds:.4f} {knn:.4f} {sum(losses) / len(losses):.6f}", flush=True)


if __name__ == "__main__":
    main()
