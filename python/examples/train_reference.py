"""Train the RANet reference code (github.com/yangle15/RANet-pytorch) on CIFAR-10, logged into a ranet store.

Run it from a RANet-pytorch checkout (it imports models/RANet.py) after `pip install ./python` of this repository,
on one process or under DistributedDataParallel (only rank 0 writes; gloo on CPUs, nccl on GPUs):
    python train_reference.py --data-root DIR --store runs.sqlite
    python -m torch.distributed.run --nproc_per_node 2 train_reference.py --data-root DIR --store runs.sqlite
DIR holds CIFAR-10's binary files (data_batch_*.bin, test_batch.bin: what `ranet train --dataset cifar10` reads).
Watch it with `ranet-tui --store runs.sqlite`; then, ID being the run it prints:
    ranet import-weights --run ID --weights ranet-c10.safetensors --store runs.sqlite
    ranet eval --run ID --data-root DIR --store runs.sqlite        # dataset and normalisation come from the log
Any model whose forward returns a list of per-exit logits works the same way.
"""
import argparse, os, sys, numpy as np, time, torch, torch.distributed as dist, torch.nn.functional as F
sys.path.insert(0, os.getcwd())                                         # run from the checkout
from models.RANet import RANet                                          # the reference implementation
from ranet_store import Run, save_weights, validation_split

p = argparse.ArgumentParser()
p.add_argument("--data-root", required=True); p.add_argument("--store", default="ranet.sqlite")
p.add_argument("--epochs", type=int, default=300); p.add_argument("--max-steps", type=int, default=0)
p.add_argument("--validation-size", type=int, default=5000); p.add_argument("--out", default="ranet-c10.safetensors")
p.add_argument("--nChannels", type=int, default=16); p.add_argument("--growthRate", type=int, default=6)
p.add_argument("--grFactor", default="4-2-1-1"); p.add_argument("--scale-list", default="1-2-3-3")
p.add_argument("--step", type=int, default=4)
o = p.parse_args()
lists = lambda s: [int(v) for v in s.split("-")]
# The reference's args (defaults: ranet's cifar10-paper preset); its args.py derives nScales after parsing.
args = argparse.Namespace(data="cifar10", nChannels=o.nChannels, growthRate=o.growthRate, grFactor=lists(o.grFactor),
                          bnFactor=lists(o.grFactor), scale_list=lists(o.scale_list), nBlocks=2, block_step=2,
                          step=o.step, stepmode="even", compress_factor=0.25, reduction=0.5, bnAfter=True, num_classes=10)
args.nScales = len(args.grFactor)
norm = {"mean": [0.4914, 0.4824, 0.4467], "std": [0.2471, 0.2435, 0.2616]}  # the reference's Normalize

def cifar(names):                                                       # uint8 images [N, 3, 32, 32], labels [N]
    raw = np.concatenate([np.fromfile(os.path.join(o.data_root, n), np.uint8).reshape(-1, 3073) for n in names])
    return torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).copy()), torch.from_numpy(raw[:, 0].astype(np.int64))
def normalize(x):
    return (x.float() / 255 - torch.tensor(norm["mean"]).view(1, 3, 1, 1)) / torch.tensor(norm["std"]).view(1, 3, 1, 1)
def augment(x):                                                         # RandomCrop(32, padding=4) + HorizontalFlip
    x, (i, j) = F.pad(x, (4, 4, 4, 4)), torch.randint(0, 9, (2, len(x)))
    x = torch.stack([im[:, a:a + 32, b:b + 32] for im, a, b in zip(x, i.tolist(), j.tolist())])
    flip = torch.rand(len(x)) < 0.5; x[flip] = x[flip].flip(3); return x
def outputs(x, batch=500):                                              # per-exit logits [exits, N, classes]
    model.eval()
    with torch.no_grad(): out = [model(normalize(x[i:i + batch])) for i in range(0, len(x), batch)]
    model.train(); return torch.stack([torch.cat(e) for e in zip(*out)])

ddp = "RANK" in os.environ
if ddp: dist.init_process_group("gloo" if not torch.cuda.is_available() else "nccl")
rank, world = (dist.get_rank(), dist.get_world_size()) if ddp else (0, 1)
train_x, train_y = cifar(sorted(f for f in os.listdir(o.data_root) if f.startswith("data_batch")))
test_x, test_y = cifar(["test_batch.bin"])
train_idx, val_idx = validation_split(len(train_x), o.validation_size, seed=0)   # the images ranet's val split holds
torch.manual_seed(0); model = RANet(args)
net = torch.nn.parallel.DistributedDataParallel(model) if ddp else model
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.MultiStepLR(opt, [o.epochs // 2, o.epochs * 3 // 4])
step, bs = 0, 64
with Run.create(o.store, name="RANet-pytorch cifar10", config=args, dataset="cifar10", normalization=norm,
                train_size=len(train_idx), validation_size=len(val_idx), test_size=len(test_x), seed=0,
                epochs=o.epochs, hyper_parameters={"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4,
                                                   "batch_size": bs, "world_size": world}) as run:
    for epoch in range(o.epochs):
        order = torch.tensor(train_idx)[torch.randperm(len(train_idx), generator=torch.Generator().manual_seed(epoch))]
        shard = order[rank::world]                                      # each rank its share, as DistributedSampler
        for i in range(len(shard) // bs):
            start, idx = time.time(), shard[i * bs:(i + 1) * bs]
            losses = [F.cross_entropy(out, train_y[idx]) for out in net(normalize(augment(train_x[idx])))]
            opt.zero_grad(); sum(losses).backward(); opt.step(); step += 1
            run.log_step(step, epoch, losses, opt.param_groups[0]["lr"], bs * world / (time.time() - start))
            if step == o.max_steps: break
        sched.step()
        if rank == 0:
            logits = outputs(train_x[val_idx])
            run.log_epoch(epoch, val_accuracy=[(l.argmax(1) == train_y[val_idx]).float().mean() for l in logits],
                          val_loss=[F.cross_entropy(l, train_y[val_idx]) for l in logits])
        if step == o.max_steps: break
    if rank == 0:
        save_weights(o.out, model)                                      # for ranet import-weights --run ID
        accuracy = [(l.argmax(1) == test_y).float().mean().item() * 100 for l in outputs(test_x)]
        print("run %d, weights in %s; PyTorch test accuracy per exit: %s" % (run.id, o.out,
              " ".join("%.2f" % a for a in accuracy)))
if ddp: dist.destroy_process_group()
