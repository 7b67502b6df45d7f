"""One MoCo step on 2 processes against the same step in 1 process (run with torchrun --nproc-per-node 2).

Usage: torchrun --standalone --nproc-per-node 2 ddp_step.py TRAIN_DIR RECIPE_JSON
The 2 processes each take half of one global batch (rank r the images at r, r + 2, ..., as DistributedSampler deals
them), shuffle-BN across them by one permutation; the single process takes the whole batch with the same permutation
and SplitBatchNorm in 2 splits. Rank 0 prints one JSON line with the
two losses and the largest differences of the queues and of the query encoders' parameters after the step.
"""
import gc
import json
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, sys.argv[1])
import train as T  # noqa: E402

with open(sys.argv[2]) as f:
    recipe = json.load(f)
spec = dict(recipe["model"], splits=2)
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.set_num_threads(1)
c, h, w = recipe["data"]["shape"]
batch = 32
torch.manual_seed(0)
x1, x2 = torch.rand(batch, c, h, w), torch.rand(batch, c, h, w)
perm = torch.randperm(batch)
m = 0.99


def step(model, core, a, b):
    optimizer = T.make_optimizer(recipe["optimizer"], [p for p in core.parameters() if p.requires_grad])
    for g in optimizer.param_groups:
        g["lr"] = 0.06
    loss, hits, count, pending = model(a, b, m, perm)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    core.enqueue(pending)
    return loss.detach()


torch.manual_seed(1)
core = T.MoCo(spec, 1)
ddp = torch.nn.parallel.DistributedDataParallel(core)
loss = step(ddp, core, x1[rank::world], x2[rank::world])  # position i * world + r is rank r's i-th image
dist.all_reduce(loss)
loss /= world
# DistributedDataParallel holds the process group: drop it first, so that the group is torn down here, while the
# interpreter is whole, not at its exit (where gloo's threads were seen to abort rank 1, rarely), as train.py does.
del ddp
gc.collect()
if rank == 0:
    dist.destroy_process_group()  # the single process runs alone
    torch.manual_seed(1)
    single = T.MoCo(spec, 2)
    single_loss = step(single, single, x1, x2)
    # Parameters after the step (the batch norms' running statistics are each process's own, as in builder.py).
    weights = max((a - b).abs().max().item() for a, b in zip(core.encoder_q.parameters(),
                                                               single.encoder_q.parameters()))
    print(json.dumps({"loss_ddp": loss.item(), "loss_single": single_loss.item(),
                      "queue": (core.queue - single.queue).abs().max().item(), "weights": weights,
                      "queue_ptr": [int(core.queue_ptr), int(single.queue_ptr)]}))
else:
    dist.destroy_process_group()
