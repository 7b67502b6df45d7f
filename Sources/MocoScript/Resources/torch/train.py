#!/usr/bin/env python3
"""MoCo pre-training with PyTorch DistributedDataParallel, for a recipe that moco exported.

The recipe (recipe.json beside this file) holds every choice moco made: data, augmentations, encoder and head,
queue, temperature, momentum and learning-rate values per step, optimizer, epochs, batch, seed and kNN monitor.
This file implements them as facebookresearch/moco's builder.py and main_moco.py do across processes.

  python train.py                                         one process (shuffle-BN emulated by SplitBatchNorm)
  torchrun --standalone --nproc-per-node 2 train.py       two processes on this machine (gloo on CPU)
  torchrun --nproc-per-node 8 train.py --backend nccl     eight GPUs
  python train.py convert moco_v2_800ep.pth.tar out.safetensors   a facebookresearch/moco checkpoint for moco

Options: --epochs, --batch (global; the learning rate follows the linear scaling rule), --out DIR (default run),
--until E (stop after epoch E), --resume, --threads, --workers, --seed, --device. Writes DIR/checkpoint.safetensors (rank 0, atomically, after each
epoch) and DIR/log.jsonl (one line per epoch); moco reads both back: load_run("DIR") and load_log("DIR/log.jsonl").
"""
import argparse
import gc
import gzip
import json
import math
import os
import struct
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT = "moco-torch-1"


# ---------------------------------------------------------------------------------------------------------------
# Data: the sources moco reads, as [N, C, H, W] float tensors in [0, 1] with integer labels.
# ---------------------------------------------------------------------------------------------------------------
def _path(spec, key="path"):
    path = spec[key]
    return path if os.path.isabs(path) else os.path.join(HERE, path)


def _read(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if path.endswith(".gz") else data


def _idx(directory, stem):
    for name in (stem + ".gz", stem):
        if os.path.exists(os.path.join(directory, name)):
            return _read(os.path.join(directory, name))
    raise SystemExit(f"train.py: {directory} holds no {stem}(.gz)")


def _idx_images(data):
    magic, n, h, w = struct.unpack(">IIII", data[:16])
    if magic != 0x803:
        raise SystemExit("train.py: not an IDX image file")
    return torch.frombuffer(bytearray(data[16:16 + n * h * w]), dtype=torch.uint8).view(n, 1, h, w).float() / 255


def _idx_labels(data):
    magic, n = struct.unpack(">II", data[:8])
    if magic != 0x801:
        raise SystemExit("train.py: not an IDX label file")
    return torch.frombuffer(bytearray(data[8:8 + n]), dtype=torch.uint8).long()


def _cifar(files):
    images, labels = [], []
    for name in files:
        raw = torch.frombuffer(bytearray(_read(name)), dtype=torch.uint8).view(-1, 3073)
        labels.append(raw[:, 0].long())
        images.append(raw[:, 1:].reshape(-1, 3, 32, 32).float() / 255)
    return torch.cat(images), torch.cat(labels)


def _folder(spec):
    from torchvision.io import ImageReadMode, decode_image
    from torchvision.transforms.v2.functional import resize

    root, size, channels = _path(spec), spec["size"], spec["channels"]

    def listing(directory):  # as moco: hidden names left out, sorted by name
        return sorted(n for n in os.listdir(directory) if not n.startswith("."))

    classes = [n for n in listing(root) if os.path.isdir(os.path.join(root, n))]
    groups = [(i, os.path.join(root, c)) for i, c in enumerate(classes)] or [(0, root)]
    mode = ImageReadMode.GRAY if channels == 1 else ImageReadMode.RGB
    skipped = set(spec.get("skipped") or [])
    images, labels = [], []
    for label, directory in groups:
        for name in listing(directory):
            path = os.path.join(directory, name)
            if name.rsplit(".", 1)[-1].lower() not in ("png", "jpg", "jpeg") or os.path.relpath(path, root) in skipped:
                continue
            with open(path, "rb") as f:
                raw = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8)
            image = decode_image(raw, mode=mode).float() / 255
            images.append(resize(image, [size, size], antialias=True).clamp(0, 1))
            labels.append(label)
    return torch.stack(images), torch.tensor(labels, dtype=torch.long)


def load_data(spec):
    """The images a recipe's data entry names: its source, the part of a split source, then its indices."""
    source, part = spec["source"], spec.get("part")
    if source == "digits":
        rows = [line.split(",") for line in _read(_path(spec)).decode().split("\n") if line]
        pixels = torch.tensor([[float(v) for v in r[:64]] for r in rows]) / 16
        images, labels = pixels.view(-1, 1, 8, 8), torch.tensor([int(r[64]) for r in rows])
        with open(_path(spec, "split")) as f:
            order = torch.tensor(json.load(f)[part])
        images, labels = images[order], labels[order]
    elif source in ("mnist", "fashion-mnist"):
        stem = "train" if part == "train" else "t10k"
        images = _idx_images(_idx(_path(spec), f"{stem}-images-idx3-ubyte"))
        labels = _idx_labels(_idx(_path(spec), f"{stem}-labels-idx1-ubyte"))
    elif source == "cifar10":
        directory = _path(spec)
        present = sorted(os.listdir(directory))
        if part == "train":
            names = [f"data_batch_{i}.bin" for i in range(1, 6) if f"data_batch_{i}.bin" in present]
        else:
            names = ["test_batch.bin"] if "test_batch.bin" in present else [
                n for n in present if n.startswith("test_batch") and n.endswith(".bin")]
        images, labels = _cifar([os.path.join(directory, n) for n in names])
    elif source == "folder":
        images, labels = _folder(spec)
    else:
        raise SystemExit(f"train.py: unknown data source {source!r}")
    if spec.get("indices") is not None:
        order = torch.tensor(spec["indices"], dtype=torch.long)
        images, labels = images[order], labels[order]
    if list(images.shape[1:]) != spec["shape"] or len(images) != spec["count"]:
        raise SystemExit(f"train.py: {spec['name']} gives {len(images)} images of {list(images.shape[1:])}, "
                         f"the recipe says {spec['count']} of {spec['shape']}")
    return images, labels


# ---------------------------------------------------------------------------------------------------------------
# Augmentations: each step of moco's pipelines with torchvision's semantics, on one [C, H, W] tensor.
# ---------------------------------------------------------------------------------------------------------------
def build_transform(steps):
    import torchvision.transforms.v2 as T

    def one(step):
        op = step["op"]
        if op == "random_resized_crop":
            return T.RandomResizedCrop(step["size"], scale=tuple(step["scale"]), ratio=tuple(step["ratio"]),
                                       antialias=True)
        if op == "resize":
            return T.Resize([step["size"], step["size"]], antialias=True)
        if op == "horizontal_flip":
            return T.RandomHorizontalFlip(step["p"])
        if op == "color_jitter":
            return T.ColorJitter(step["brightness"], step["contrast"], step["saturation"], step["hue"])
        if op == "grayscale":
            return T.RandomGrayscale(step["p"])
        if op == "gaussian_blur":
            return T.GaussianBlur(step["kernel"], sigma=tuple(step["sigma"]))
        if op == "solarize":
            return T.RandomSolarize(step["threshold"], p=step["p"])
        if op == "gaussian_noise":
            sigma = step["sigma"]
            return T.Lambda(lambda x: x + sigma * torch.randn_like(x))
        if op == "normalize":
            return T.Normalize(step["mean"], step["std"])
        if op == "random_apply":
            return T.RandomApply([build_transform(step["steps"])], p=step["p"])
        raise SystemExit(f"train.py: unknown augmentation {op!r}")

    return T.Compose([one(s) for s in steps])


class TwoViews(torch.utils.data.Dataset):
    def __init__(self, images, views):
        self.images, self.views = images, [build_transform(v) for v in views]

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = self.images[i]
        return self.views[0](x), self.views[1](x)


# ---------------------------------------------------------------------------------------------------------------
# Model: encoders with torchvision names (moco's own names), SplitBatchNorm, the heads of v1, v2 and v3.
# ---------------------------------------------------------------------------------------------------------------
class SplitBatchNorm(nn.BatchNorm2d):
    """Batch norm over `splits` equal parts of the batch, each with its own statistics: shuffle-BN in one process.
    The running statistics move by the mean of the parts' statistics."""

    def __init__(self, channels, splits):
        super().__init__(channels)
        self.splits = splits

    def forward(self, x):
        if not self.training or self.splits == 1:
            return super().forward(x)
        n, c, h, w = x.shape
        mean, var = self.running_mean.repeat(self.splits), self.running_var.repeat(self.splits)
        y = F.batch_norm(x.view(-1, c * self.splits, h, w), mean, var, self.weight.repeat(self.splits),
                         self.bias.repeat(self.splits), True, self.momentum, self.eps).view(n, c, h, w)
        self.running_mean.copy_(mean.view(self.splits, c).mean(0))
        self.running_var.copy_(var.view(self.splits, c).mean(0))
        self.num_batches_tracked += 1
        return y


def torchvision_init(module):
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class ConvNet(nn.Module):
    """moco's convnet([c1, c2, ...]): conv 3x3 (stride 1, then 2) + BN + ReLU per width, global average pool."""

    def __init__(self, channels, in_channels, norm):
        super().__init__()
        layers, c_in = [], in_channels
        for i, c in enumerate(channels):
            layers += [nn.Conv2d(c_in, c, 3, stride=1 if i == 0 else 2, padding=1, bias=False), norm(c),
                       nn.ReLU(inplace=True)]
            c_in = c
        self.body = nn.Sequential(*layers)
        self.feature_dim = c_in
        torchvision_init(self)

    def features(self, x):
        return self.body(x).mean((2, 3))


class BasicBlock(nn.Module):
    def __init__(self, c_in, c, stride, norm):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c, 3, stride=stride, padding=1, bias=False)
        self.bn1 = norm(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = norm(c)
        self.downsample = None
        if stride != 1 or c_in != c:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c, 1, stride=stride, bias=False), norm(c))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """torchvision's ResNet-18/34 at a base width; the "cifar" stem is a 3x3 stride-1 conv without max-pool."""

    def __init__(self, depth, width, stem, in_channels, norm):
        super().__init__()
        blocks = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}[depth]
        self.cifar = stem == "cifar"
        self.conv1 = nn.Conv2d(in_channels, width, 3 if self.cifar else 7, stride=1 if self.cifar else 2,
                               padding=1 if self.cifar else 3, bias=False)
        self.bn1 = norm(width)
        c_in = width
        for i, n in enumerate(blocks):
            c = width * 2 ** i
            layer = [BasicBlock(c_in, c, 1 if i == 0 else 2, norm)] + [BasicBlock(c, c, 1, norm) for _ in range(n - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*layer))
            c_in = c
        self.feature_dim = c_in
        torchvision_init(self)
        if self.cifar:
            self.conv1.reset_parameters()

    def features(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        if not self.cifar:
            x = F.max_pool2d(x, 3, 2, 1)
        for i in range(1, 5):
            x = getattr(self, f"layer{i}")(x)
        return x.mean((2, 3))


def mlp(c_in, hidden, dim, layers, last_bn):
    """moco-v3's _build_mlp: Linear (no bias) + BN1d + ReLU, then a last Linear with an optional affine-free BN1d."""
    mods = []
    for i in range(layers):
        a, b = (c_in if i == 0 else hidden), (dim if i == layers - 1 else hidden)
        mods.append(nn.Linear(a, b, bias=False))
        if i < layers - 1:
            mods += [nn.BatchNorm1d(b), nn.ReLU(inplace=True)]
        elif last_bn:
            mods.append(nn.BatchNorm1d(b, affine=False))
    return nn.Sequential(*mods)


class Encoder(nn.Module):
    """A backbone with its head as `fc`, as torchvision's models and builder.py name them."""

    def __init__(self, model, splits):
        super().__init__()
        enc = model["encoder"]

        def norm(c):
            return SplitBatchNorm(c, splits) if splits > 1 else nn.BatchNorm2d(c)

        if enc["architecture"] == "convnet":
            self.backbone = ConvNet(enc["channels"], enc["in_channels"], norm)
        else:
            self.backbone = ResNet(enc["depth"], enc["width"], enc["stem"], enc["in_channels"], norm)
        d, dim, hidden = self.backbone.feature_dim, model["dim"], model.get("hidden")
        if model["version"] == 1:
            self.fc = nn.Linear(d, dim)
        elif model["version"] == 2:
            h = hidden or d
            self.fc = nn.Sequential(nn.Linear(d, h), nn.ReLU(inplace=True), nn.Linear(h, dim))
        else:
            self.fc = mlp(d, hidden or 2 * max(d, dim), dim, 3, True)

    def features(self, x):
        return self.backbone.features(x)

    def forward(self, x):
        return self.fc(self.features(x))

    def state_dict_names(self):
        """The state dict with torchvision names: the backbone's entries without their `backbone.` prefix."""
        return {k.removeprefix("backbone."): v for k, v in self.state_dict().items()}

    def load_names(self, state):
        own = self.state_dict()
        self.load_state_dict({k: state[k.removeprefix("backbone.")] for k in own})


def world_rank():
    return (dist.get_world_size(), dist.get_rank()) if dist.is_initialized() else (1, 0)


@torch.no_grad()
def gather(x):
    """concat_all_gather, interleaved: every rank's batch in the order of the global batch, where position
    i * world + r holds rank r's i-th image. DistributedSampler deals an epoch's images to the ranks in that order,
    and SplitBatchNorm's splits are interleaved the same way, so the processes together compute what one process
    with SplitBatchNorm over the whole batch computes (no gradient)."""
    world, _ = world_rank()
    if world == 1:
        return x
    parts = [torch.empty_like(x) for _ in range(world)]
    dist.all_gather(parts, x.contiguous())
    return torch.stack(parts, 1).flatten(0, 1)


class MoCo(nn.Module):
    """builder.py: a query encoder, its momentum copy, a queue of keys (v1, v2) or a predictor (v3)."""

    def __init__(self, model, splits):
        super().__init__()
        self.version, self.T = model["version"], model["temperature"]
        self.symmetric = model["symmetric"]
        self.shuffle = self.version < 3 and model["splits"] > 1
        self.encoder_q = Encoder(model, splits)
        self.encoder_k = Encoder(model, splits)
        for q, k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            k.data.copy_(q.data)
            k.requires_grad = False
        if self.version == 3:
            hidden = model.get("hidden") or 2 * max(self.encoder_q.backbone.feature_dim, model["dim"])
            self.predictor = mlp(model["dim"], hidden, model["dim"], 2, False)
        else:
            self.register_buffer("queue", F.normalize(torch.randn(model["dim"], model["queue"]), dim=0))
            self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))

    @torch.no_grad()
    def momentum_update(self, m):
        for q, k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            k.data.mul_(m).add_(q.data, alpha=1 - m)

    @torch.no_grad()
    def enqueue(self, keys):
        keys = gather(keys)
        n, size = keys.shape[0], self.queue.shape[1]
        ptr = int(self.queue_ptr)
        index = (torch.arange(n, device=keys.device) + ptr) % size
        self.queue[:, index] = keys.T
        self.queue_ptr[0] = (ptr + n) % size

    @torch.no_grad()
    def keys(self, x, perm=None):
        """Keys of a batch with shuffle-BN: across ranks the gathered batch is permuted by one permutation that
        rank 0 draws and broadcasts (_batch_shuffle_ddp), each rank encodes its share, and the keys return to
        their images' order (_batch_unshuffle_ddp). In one process SplitBatchNorm sees the permuted batch."""
        if not self.shuffle:
            return F.normalize(self.encoder_k(x), dim=1)
        world, rank = world_rank()
        everything = gather(x)
        if perm is None:
            perm = torch.randperm(everything.shape[0], device=x.device)
            if world > 1:
                dist.broadcast(perm, 0)
        k = F.normalize(self.encoder_k(everything[perm[rank::world]]), dim=1)
        shuffled = gather(k)
        unshuffled = torch.empty_like(shuffled)
        unshuffled[perm] = shuffled
        return unshuffled[rank::world]

    def infonce(self, q, k):
        pos = (q * k).sum(1, keepdim=True)
        neg = q @ self.queue.clone().detach()
        logits = torch.cat([pos, neg], 1) / self.T
        labels = torch.zeros(len(q), dtype=torch.long, device=q.device)
        return F.cross_entropy(logits, labels), logits

    def v3_loss(self, q, k):
        q, k = F.normalize(q, dim=1), F.normalize(k, dim=1)
        k = gather(k)
        world, rank = world_rank()
        logits = q @ k.T / self.T
        labels = torch.arange(len(q), device=q.device) * world + rank
        return F.cross_entropy(logits, labels) * 2 * self.T, logits, labels

    def forward(self, x1, x2, m, perm=None):
        """The loss of one step and its contrastive top-1 (as counts: hits, total); keys are enqueued by
        `after_step` once the optimizer has stepped, as moco's trainer does."""
        if self.version == 3:
            q1, q2 = self.predictor(self.encoder_q(x1)), self.predictor(self.encoder_q(x2))
            self.momentum_update(m)
            with torch.no_grad():
                k1, k2 = self.encoder_k(x1), self.encoder_k(x2)
            a, la, ya = self.v3_loss(q1, k2)
            b, lb, yb = self.v3_loss(q2, k1)
            hits = (la.argmax(1) == ya).sum() + (lb.argmax(1) == yb).sum()
            return a + b, hits, 2 * len(x1), None
        self.momentum_update(m)
        q = F.normalize(self.encoder_q(x1), dim=1)
        k = self.keys(x2, perm)
        loss, logits = self.infonce(q, k)
        pending = k
        if self.symmetric:
            q2 = F.normalize(self.encoder_q(x2), dim=1)
            k2 = self.keys(x1)
            loss2, logits2 = self.infonce(q2, k2)
            loss, logits, pending = loss + loss2, torch.cat([logits, logits2]), torch.cat([k, k2])
        hits = (logits.argmax(1) == 0).sum()
        return loss, hits, len(logits), pending


# ---------------------------------------------------------------------------------------------------------------
# Optimizers as moco's: SGD and AdamW are PyTorch's; LARS is moco-v3's.
# ---------------------------------------------------------------------------------------------------------------
class LARS(torch.optim.Optimizer):
    """moco-v3's LARS: weight decay and the trust ratio eta * |p| / |d| for parameters of more than one dimension."""

    def __init__(self, params, lr, momentum, weight_decay, trust):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, trust=trust))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                d = p.grad
                if p.ndim > 1:
                    d = d.add(p, alpha=g["weight_decay"])
                    pn, dn = torch.norm(p), torch.norm(d)
                    if pn > 0 and dn > 0:
                        d = d.mul(g["trust"] * pn / dn)
                state = self.state[p]
                if "mu" not in state:
                    state["mu"] = d.clone()
                else:
                    state["mu"].mul_(g["momentum"]).add_(d)
                p.add_(state["mu"], alpha=-g["lr"])


def make_optimizer(spec, params):
    if spec["kind"] == "sgd":
        return torch.optim.SGD(params, lr=0, momentum=spec["momentum"], weight_decay=spec["weight_decay"],
                               nesterov=spec["nesterov"])
    if spec["kind"] == "adamw":
        return torch.optim.AdamW(params, lr=0, betas=tuple(spec["betas"]), weight_decay=spec["weight_decay"])
    return LARS(params, 0, spec["momentum"], spec["weight_decay"], spec["trust"])


def at(values, index, count):
    """A recorded schedule (one value per step or per epoch) at step or epoch `index` of `count`: exactly the
    recorded value when the counts agree, else linear between the values at the same fraction of training."""
    if len(values) == count:
        return values[index]
    x = index / count * len(values)
    i = min(int(x), len(values) - 1)
    if i == len(values) - 1 or x == i:
        return values[i]
    return values[i] + (values[i + 1] - values[i]) * (x - i)


# ---------------------------------------------------------------------------------------------------------------
# kNN monitor (InstDisc weighted voting), on rank 0.
# ---------------------------------------------------------------------------------------------------------------
@torch.no_grad()
def encode(encoder, images, source, batch=512):
    encoder.eval()
    out = []
    device = next(encoder.parameters()).device
    for i in range(0, len(images), batch):
        x = images[i:i + batch].to(device)
        out.append(encoder.features(x) if source == "backbone" else encoder(x))
    encoder.train()
    return F.normalize(torch.cat(out), dim=1)


@torch.no_grad()
def knn_accuracy(encoder, train, test, k, t, source, classes):
    bank, bank_labels = encode(encoder, train[0], source), train[1].to(train[0].device)
    queries = encode(encoder, test[0], source).to(bank.device)
    k = min(k, len(bank))
    sim, index = (queries @ bank.T).topk(k, dim=1)
    votes = torch.zeros(len(queries), classes, device=bank.device).scatter_add_(1, bank_labels[index], (sim / t).exp())
    return (votes.argmax(1).cpu() == test[1]).float().mean().item()


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints: safetensors from rank 0, written to a temporary file and renamed.
# ---------------------------------------------------------------------------------------------------------------
def save_checkpoint(path, model, optimizer, epoch, recipe):
    from safetensors.torch import save_file

    tensors = {f"encoder_q.{k}": v for k, v in model.encoder_q.state_dict_names().items()}
    tensors.update({f"encoder_k.{k}": v for k, v in model.encoder_k.state_dict_names().items()})
    if model.version == 3:
        tensors.update({f"predictor.{k}": v for k, v in model.predictor.state_dict().items()})
    else:
        tensors["queue"], tensors["queue_ptr"] = model.queue, model.queue_ptr
    names = {id(p): n for n, p in model.named_parameters()}
    for group in optimizer.param_groups:
        for p in group["params"]:
            for key, value in optimizer.state.get(p, {}).items():
                if torch.is_tensor(value) and value.ndim > 0:
                    tensors[f"optimizer.{names[id(p)]}.{key}"] = value
                elif key == "step":
                    tensors[f"optimizer.{names[id(p)]}.step"] = torch.tensor([float(value)])
    tensors["epoch"] = torch.tensor([epoch], dtype=torch.long)
    meta = {"format": FORMAT, "model": json.dumps(recipe["model"], sort_keys=True), "epoch": str(epoch),
            "data": recipe["data"]["name"]}
    tmp = path + ".tmp"
    save_file({k: v.detach().cpu().contiguous().clone() for k, v in tensors.items()}, tmp, metadata=meta)
    os.replace(tmp, path)


def load_checkpoint(path, model, optimizer):
    from safetensors.torch import load_file

    state = load_file(path)
    model.encoder_q.load_names({k[10:]: v for k, v in state.items() if k.startswith("encoder_q.")})
    model.encoder_k.load_names({k[10:]: v for k, v in state.items() if k.startswith("encoder_k.")})
    if model.version == 3:
        model.predictor.load_state_dict({k[10:]: v for k, v in state.items() if k.startswith("predictor.")})
    else:
        model.queue.copy_(state["queue"])
        model.queue_ptr.copy_(state["queue_ptr"])
    names = {n: p for n, p in model.named_parameters()}
    for key, value in state.items():
        if key.startswith("optimizer."):
            name, field = key[10:].rsplit(".", 1)
            p = names[name]
            optimizer.state[p][field] = value.reshape(()).clone() if field == "step" else value.to(p.device).clone()
    return int(state["epoch"][0])


def convert(source, target):
    """A facebookresearch/moco .pth.tar checkpoint (its state_dict) as safetensors, names unchanged."""
    from safetensors.torch import save_file

    checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    state = checkpoint.get("state_dict", checkpoint)
    tensors = {k: v.contiguous() for k, v in state.items() if torch.is_tensor(v)}
    save_file(tensors, target + ".tmp", metadata={"format": "pytorch", "source": os.path.basename(source)})
    os.replace(target + ".tmp", target)
    print(f"convert: {len(tensors)} tensors from {source} to {target}")


# ---------------------------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------------------------
def parse(argv):
    p = argparse.ArgumentParser(description="MoCo pre-training from moco's recipe.json, one or more processes.")
    p.add_argument("--recipe", default=os.path.join(HERE, "recipe.json"))
    p.add_argument("--out", default=os.path.join(HERE, "run"), help="checkpoint and log folder")
    p.add_argument("--epochs", type=int, help="default: the recipe's")
    p.add_argument("--batch", type=int, help="global batch (default: the recipe's); lr scales linearly")
    p.add_argument("--seed", type=int, help="default: the recipe's")
    p.add_argument("--resume", action="store_true", help="go on from OUT/checkpoint.safetensors")
    p.add_argument("--until", type=int, help="stop after this epoch, the schedules kept as planned (then --resume)")
    p.add_argument("--threads", type=int, default=0, help="torch threads per process (0: leave as is)")
    p.add_argument("--workers", type=int, default=0, help="DataLoader workers per process")
    p.add_argument("--backend", default=None, help="gloo (CPU) or nccl (GPU); default by device")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return p.parse_args(argv)


def setup(args):
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        backend = args.backend or ("nccl" if args.device == "cuda" else "gloo")
        dist.init_process_group(backend)
    rank = dist.get_rank() if world > 1 else 0
    if args.device == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        return world, rank, torch.device("cuda", torch.cuda.current_device())
    return world, rank, torch.device(args.device)


def main(argv):
    args = parse(argv)
    with open(args.recipe) as f:
        recipe = json.load(f)
    if recipe.get("format") != "moco-recipe-1":
        raise SystemExit(f"train.py: {args.recipe} is not a moco recipe (format {recipe.get('format')!r})")
    if args.threads:
        torch.set_num_threads(args.threads)
    world, rank, device = setup(args)
    log = print if rank == 0 else (lambda *a, **k: None)
    model_spec, schedule = recipe["model"], recipe["schedule"]
    epochs, batch = args.epochs or recipe["epochs"], args.batch or recipe["batch"]
    seed = recipe["seed"] if args.seed is None else args.seed
    if batch % world:
        raise SystemExit(f"train.py: the global batch {batch} is not a multiple of the {world} processes")
    splits = model_spec["splits"] if model_spec["version"] < 3 else 1
    if world > 1 and splits % world == 0:
        splits //= world
    elif world > 1 and splits > 1:
        log(f"note: {model_spec['splits']} shuffle-BN splits do not divide among {world} processes; "
            "each process normalises its own share as one split")
        splits = 1
    lr_scale = batch / recipe["batch"]
    if lr_scale != 1:
        log(f"note: global batch {batch} instead of {recipe['batch']}: the learning rate is scaled by "
            f"{lr_scale:g} (linear scaling rule)")

    torch.manual_seed(seed)  # the same initial weights and queue on every rank
    model = MoCo(model_spec, splits).to(device)
    if world > 1:
        model = nn.parallel.DistributedDataParallel(model)
    core = model.module if world > 1 else model
    params = [p for p in core.parameters() if p.requires_grad]
    optimizer = make_optimizer(recipe["optimizer"], params)
    os.makedirs(args.out, exist_ok=True)
    checkpoint = os.path.join(args.out, "checkpoint.safetensors")
    start = load_checkpoint(checkpoint, core, optimizer) if args.resume else 0

    images, labels = load_data(recipe["data"])
    dataset = TwoViews(images, recipe["views"])
    sampler = torch.utils.data.distributed.DistributedSampler(
        dataset, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=True)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch // world, sampler=sampler, drop_last=True,
                                         num_workers=args.workers)
    steps = len(loader)
    if steps == 0:
        raise SystemExit(f"train.py: {len(images)} images make no batch of {batch} across {world} processes")
    monitor = recipe.get("monitor")
    if monitor and rank == 0:
        evaluate = build_transform(monitor["transform"])
        bank = (torch.stack([evaluate(x) for x in images]), labels)
        test_images, test_labels = load_data(monitor["test"])
        test = (torch.stack([evaluate(x) for x in test_images]), test_labels)
    log(f"train.py: MoCo v{model_spec['version']} on {recipe['data']['name']} ({len(images)} images), "
        f"{world} process{'es' if world > 1 else ''}, global batch {batch}, {steps} steps an epoch, "
        f"epochs {start + 1}-{epochs}")
    log_file = os.path.join(args.out, "log.jsonl")
    if not args.resume and rank == 0 and os.path.exists(log_file):
        os.remove(log_file)
    total = epochs * steps
    for epoch in range(start, min(epochs, args.until or epochs)):
        sampler.set_epoch(epoch)
        # Each epoch's augmentations and shuffle-BN permutations come from the seed, the rank and the epoch alone,
        # so a run resumed from a checkpoint goes on as the straight run does.
        torch.manual_seed(seed + 1000 * (rank + 1) + epoch)
        sums = torch.zeros(3, dtype=torch.float64, device=device)
        began = time.time()
        for b, (x1, x2) in enumerate(loader):
            step = epoch * steps + b
            if recipe["lr_update"] == "epoch":
                lr = at(schedule["lr_epoch"], epoch, epochs) * lr_scale
            else:
                lr = at(schedule["lr"], step, total) * lr_scale
            m = at(schedule["momentum"], step, total)
            x1, x2 = x1.to(device, non_blocking=True), x2.to(device, non_blocking=True)
            for g in optimizer.param_groups:
                g["lr"] = lr
            loss, hits, count, pending = model(x1, x2, m)
            if not torch.isfinite(loss):
                raise SystemExit(f"train.py: the loss is not finite at epoch {epoch + 1}, step {b + 1} "
                                 f"(lr {lr:g}); lower the learning rate")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if pending is not None:
                core.enqueue(pending)
            sums += torch.tensor([loss.item(), float(hits), float(count)], dtype=torch.float64, device=device)
        if world > 1:
            dist.all_reduce(sums)
        seconds = time.time() - began
        row = {"epoch": epoch + 1, "loss": sums[0].item() / (steps * world), "top1": sums[1].item() / sums[2].item(),
               "lr": lr, "m": m, "knn": None, "images_per_s": steps * batch / seconds}
        if rank == 0:
            if monitor:
                row["knn"] = knn_accuracy(core.encoder_q, bank, test, monitor["k"], monitor["t"], monitor["source"],
                                          len(recipe["data"]["classes"]))
            save_checkpoint(checkpoint, core, optimizer, epoch + 1, recipe)
            with open(log_file, "a") as f:
                f.write(json.dumps(row) + "\n")
            knn = "" if row["knn"] is None else f", kNN {row['knn']:.1%}"
            print(f"epoch {epoch + 1}/{epochs}: loss {row['loss']:.4f}, top-1 {row['top1']:.1%}{knn}, "
                  f"{row['images_per_s']:.0f} images/s", flush=True)
        if world > 1:
            dist.barrier()
    if world > 1:
        # DistributedDataParallel holds the process group: drop it first, so that the group is torn down here, while
        # the interpreter is whole, not at its exit (where gloo's threads were seen to abort the process, rarely).
        del model
        gc.collect()
        dist.destroy_process_group()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "convert":
        if len(sys.argv) != 4:
            raise SystemExit("usage: train.py convert IN.pth.tar OUT.safetensors")
        convert(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1:])
