"""Log PyTorch (or any Python) training runs into a ranet experiment store, and dump per-exit outputs for
``ranet import-logits``. Standard library only; torch and numpy are used when you pass their objects.

    from ranet_store import Run
    with Run.create("ranet.sqlite", name="ranet-c10", config=vars(args), epochs=300) as run:
        run.log_step(step, epoch, exit_losses=[l.item() for l in losses], lr=lr, images_per_second=ips)
        run.log_epoch(epoch, val_accuracy=accs, val_loss=losses)

Only rank 0 of a DistributedDataParallel job writes; on other ranks every call does nothing.
"""

from .config import ranet_config, validation_split
from .dump import collect_outputs, dump_logits, save_weights
from .run import Run, current_rank
from .schema import APPLICATION_ID, SCHEMA_VERSION
from .store import StoreError, connect, decode_floats, encode_floats

__all__ = ["Run", "current_rank", "ranet_config", "validation_split", "collect_outputs", "dump_logits",
           "save_weights", "connect", "StoreError", "encode_floats", "decode_floats", "APPLICATION_ID",
           "SCHEMA_VERSION"]
__version__ = "0.1.0"
