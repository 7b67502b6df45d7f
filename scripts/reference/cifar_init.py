"""The initial weights and queue of the reference's CIFAR-10 run (moco_ref.py --dataset cifar10 --arch resnet18-w16
--seed S), for moco to start from (`moco-bench cifar-views --init FILE`): the reference seeds torch and builds its
model before drawing anything else, so this is the start of its run.

Usage: cifar_init.py SHARED_BENCH_DIR OUT [--seed S] [--arch resnet18-w16] [--queue 4096] [--dim 128]
Writes OUT (safetensors): init.query.NAME for the query encoder's state dict, init.queue ([dim, K]).
"""
import argparse
import sys

import torch
from safetensors.torch import save_file

parser = argparse.ArgumentParser()
parser.add_argument("shared")
parser.add_argument("out")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--arch", default="resnet18-w16")
parser.add_argument("--queue", type=int, default=4096)
parser.add_argument("--dim", type=int, default=128)
args = parser.parse_args()
sys.path.insert(0, args.shared)
import moco_ref  # noqa: E402

torch.manual_seed(args.seed)
model = moco_ref.MoCo(moco_ref.encoder_factory(args.arch, 8, 3), dim=args.dim, K=args.queue, m=0.99, T=0.1, mlp=True)
out = {"init.query." + k: v.detach().clone().contiguous() for k, v in model.encoder_q.state_dict().items()}
out["init.queue"] = model.queue.clone().contiguous()
save_file(out, args.out)
