"""Train the RANet reference code (github.com/yangle15/RANet-pytorch) on CIFAR-10, logged into a ranet store.

Run it from a RANet-pytorch checkout (it imports models/RANet.py) after `pip install ./python` of this repository:
    RANET_STORE=runs.sqlite python train_reference.py        # or: torchrun --nproc_per_node 4 train_reference.py
Only rank 0 writes (wrap the model in DistributedDataParallel and shard the loader as usual). Watch it live with
`ranet-tui --store runs.sqlite`; at the end the test outputs are dumped for `ranet import-logits`.
Any model whose forward returns a list of per-exit logits works the same way.
"""
import argparse, os, time, torch, torch.nn.functional as F, torchvision as tv
from models.RANet import RANet                                          # the reference implementation
from ranet_store import Run, collect_outputs, dump_logits

config = {"nChannels": 16, "growthRate": 6, "grFactor": [4, 2, 1, 1], "bnFactor": [4, 2, 1, 1], "scaleList": [1, 2, 3, 3],
          "nBlocks": 2, "blockStep": 2, "step": 4, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5,
          "classes": 10, "stem": "cifar", "input": [3, 32, 32]}                  # ranet's cifar10-paper preset
args = argparse.Namespace(data="cifar10", nChannels=16, growthRate=6, grFactor=[4, 2, 1, 1], bnFactor=[4, 2, 1, 1],
                          scale_list=[1, 2, 3, 3], nBlocks=2, block_step=2, step=4, stepmode="even",
                          compress_factor=0.25, reduction=0.5, bnAfter=True, num_classes=10)
norm = tv.transforms.Normalize((0.4914, 0.4824, 0.4467), (0.2471, 0.2435, 0.2616))
def loader(train, augment):
    data = tv.datasets.CIFAR10("data", train=train, download=True, transform=tv.transforms.Compose(augment + [tv.transforms.ToTensor(), norm]))
    return torch.utils.data.DataLoader(data, batch_size=64, shuffle=train, num_workers=2)
train, test = loader(True, [tv.transforms.RandomCrop(32, 4), tv.transforms.RandomHorizontalFlip()]), loader(False, [])
model, epochs = RANet(args), 300
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.MultiStepLR(opt, [epochs // 2, epochs * 3 // 4])
with Run.create(os.environ.get("RANET_STORE", "ranet.sqlite"), name="RANet-pytorch cifar10", config=config,
                dataset="cifar10", train_size=50000, test_size=10000, epochs=epochs,
                hyper_parameters={"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4, "batch_size": 64}) as run:
    for epoch in range(epochs):
        for i, (x, y) in enumerate(train):
            start = time.time(); losses = [F.cross_entropy(out, y) for out in model(x)]
            opt.zero_grad(); sum(losses).backward(); opt.step()
            run.log_step(epoch * len(train) + i, epoch, losses, opt.param_groups[0]["lr"], len(x) / (time.time() - start))
        sched.step()
        logits, labels = collect_outputs(model, test)                      # [exits, samples, classes], [samples]
        run.log_epoch(epoch, val_accuracy=[(l.argmax(1) == labels).float().mean() for l in logits],
                      val_loss=[F.cross_entropy(l, labels) for l in logits])
    dump_logits("test.safetensors", logits, labels)   # + a held-out val split the same way, then ranet import-logits
