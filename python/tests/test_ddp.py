"""A 2-rank DistributedDataParallel training (gloo, CPU) logged with ranet_store: one run, rank 0's rows only."""
import json
import os
import socket
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

try:
    import torch
    import torch.distributed as dist
    import torch.multiprocessing as mp
except ImportError:  # the logger itself needs no torch; only this test does
    torch = None

STEPS = 4
NORMALIZATION = {"mean": [0.4914, 0.4822, 0.4465], "std": [0.2470, 0.2435, 0.2616]}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train(rank, world, port, directory):
    """One DDP rank: a few steps of a two-exit model whose forward returns a list of logits."""
    from ranet_store import Run

    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        torch.manual_seed(0)

        class TwoExits(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = torch.nn.Conv2d(3, 4, 3, padding=1)
                self.exit1 = torch.nn.Linear(4 * 8 * 8, 10)
                self.exit2 = torch.nn.Linear(4 * 8 * 8, 10)

            def forward(self, x):
                h = torch.relu(self.body(x)).flatten(1)
                return [self.exit1(h), self.exit2(h)]

        model = torch.nn.parallel.DistributedDataParallel(TwoExits())
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        generator = torch.Generator().manual_seed(100 + rank)  # each rank its own shard: different losses
        losses_seen = []
        with Run.create(os.path.join(directory, "store.sqlite"), name="ddp", config={"source": "test"},
                        dataset="cifar10", normalization=NORMALIZATION, epochs=1, flush_seconds=0) as run:
            for step in range(STEPS):
                x = torch.randn(8, 3, 8, 8, generator=generator)
                y = torch.randint(0, 10, (8,), generator=generator)
                losses = [torch.nn.functional.cross_entropy(out, y) for out in model(x)]
                opt.zero_grad()
                sum(losses).backward()
                opt.step()
                run.log_step(step, 0, losses, lr=0.1)
                losses_seen.append(sum(l.item() for l in losses))
            run.log_epoch(0, val_accuracy=[0.1, 0.2], val_loss=[2.3, 2.2])
            dist.barrier()
        with open(os.path.join(directory, "rank%d.json" % rank), "w") as handle:
            json.dump({"losses": losses_seen, "run": run.id}, handle)
    finally:
        dist.destroy_process_group()


@unittest.skipIf(torch is None, "torch is not installed: the DistributedDataParallel test is skipped "
                                "(pip install torch to run it)")
class DistributedTrainingTests(unittest.TestCase):
    def test_two_gloo_ranks_log_one_run_with_rank_zero_rows(self):
        with tempfile.TemporaryDirectory() as directory:
            # fork: the children inherit the imported torch (spawn would import it twice more, seconds each).
            mp.start_processes(_train, args=(2, _free_port(), directory), nprocs=2, join=True, start_method="fork")
            ranks = []
            for rank in range(2):
                with open(os.path.join(directory, "rank%d.json" % rank)) as handle:
                    ranks.append(json.load(handle))
            self.assertIsNotNone(ranks[0]["run"])
            self.assertIsNone(ranks[1]["run"], "rank 1 must not create a run")
            con = sqlite3.connect(os.path.join(directory, "store.sqlite"))
            runs = con.execute("SELECT id, status, dataset, data_source_json FROM runs").fetchall()
            self.assertEqual(len(runs), 1)
            run_id, status, dataset, source = runs[0]
            self.assertEqual((run_id, status, dataset), (ranks[0]["run"], "finished", "cifar10"))
            self.assertEqual(json.loads(source), {"dataset": "cifar10", "normalization": NORMALIZATION})
            rows = con.execute("SELECT step, total_loss FROM step_metrics ORDER BY step").fetchall()
            self.assertEqual([r[0] for r in rows], list(range(STEPS)))
            for (_, stored), mine, other in zip(rows, ranks[0]["losses"], ranks[1]["losses"]):
                self.assertAlmostEqual(stored, mine, places=5)
                self.assertNotAlmostEqual(stored, other, places=3)
            self.assertEqual(con.execute("SELECT count(*) FROM epoch_metrics").fetchone()[0], 1)
            con.close()


if __name__ == "__main__":
    unittest.main()
