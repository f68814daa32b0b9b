"""A training run logged into a ranet store from a Python (PyTorch) training loop."""

import json
import math
import os
import socket
import sqlite3
import sys
import threading
import time

from .config import ranet_config
from .store import connect, encode_floats, transaction

STATUSES = ("running", "finished", "failed", "interrupted")


def current_rank():
    """This process's global rank: torch.distributed's when it is initialised, else ``$RANK``, else 0.

    torch is never imported here; it is only consulted when the training script has imported it already.
    """
    torch = sys.modules.get("torch")
    distributed = getattr(torch, "distributed", None) if torch is not None else None
    try:
        if distributed is not None and distributed.is_available() and distributed.is_initialized():
            return int(distributed.get_rank())
    except (AttributeError, RuntimeError):
        pass
    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


class Run:
    """One run in the store. Create it with :meth:`Run.create`; on every rank but 0 all methods do nothing.

    Step metrics are buffered and committed at most every ``flush_seconds`` (one small transaction), so logging
    every step costs microseconds; epoch metrics, status changes and :meth:`flush` commit at once. A daemon thread
    refreshes the heartbeat every ``heartbeat_seconds`` while the run is running, so a long validation pass does
    not look like a dead process (ranet shows a running run whose heartbeat is older than a minute as interrupted).
    Use it as a context manager to mark the run finished on success, interrupted on Ctrl-C and failed on any other
    exception.
    """

    def __init__(self, con, run_id, flush_seconds=1.0):
        self._con = con
        self.id = run_id
        self.flush_seconds = flush_seconds
        self._pending = []
        self._last_flush = time.monotonic()
        self._started = time.time()
        self._stop_heartbeat = threading.Event()
        self._heartbeat_thread = None

    def _start_heartbeat(self, path, seconds, busy_timeout):
        """Refreshes ``heartbeat_at`` from its own connection until the run leaves the running status."""
        def beat():
            con = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
            try:
                while not self._stop_heartbeat.wait(seconds):
                    try:
                        con.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'",
                                    (time.time(), self.id))
                    except sqlite3.Error:
                        pass  # busy store: the next beat tries again
            finally:
                con.close()

        self._heartbeat_thread = threading.Thread(target=beat, name="ranet-store-heartbeat", daemon=True)
        self._heartbeat_thread.start()

    def _end_heartbeat(self):
        self._stop_heartbeat.set()
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join()
            self._heartbeat_thread = None

    @property
    def active(self):
        """Whether this process writes (rank 0) or only pretends to (other DDP ranks)."""
        return self._con is not None

    @classmethod
    def create(cls, store, name, config, architecture="RANet", dataset="external", train_size=0,
               validation_size=0, test_size=0, hyper_parameters=None, seed=0, epochs=0, notes="",
               rank=None, flush_seconds=1.0, heartbeat_seconds=15.0, busy_timeout=5.0, normalization=None,
               data_root=None, input_shape=None):
        """Creates a running run; returns an inactive ``Run`` (id ``None``) on ranks other than 0.

        ``config`` is the model configuration: a ranet config dict, or the reference code's argparse ``args``
        (converted, see :func:`ranet_store.config.ranet_config`; ``input_shape`` [C, H, W] if not 32x32 CIFAR or
        224x224 ImageNet), stored in the form ``ranet flops`` reads so that the run list shows its FLOPs and
        ``ranet eval`` can rebuild the model; anything else is stored as JSON as it is. ``hyper_parameters`` is the
        recipe (dict), ``epochs`` the planned epoch count.

        ``dataset`` (a ranet dataset name: ``cifar10``, ``cifar100``, ``fashion-mnist``, ``mnist`` or ``folder``),
        ``data_root`` (its directory) and ``normalization`` (``{"mean": [...], "std": [...]}``, torchvision
        ``Normalize`` statistics of pixel/255) tell ranet the images and statistics the model expects, so that
        ``ranet eval|infer|bench-exit --run ID`` work on the run. ``validation_size`` and ``seed`` say which
        training images ranet holds out for validation (see :func:`ranet_store.validation_split`).
        """
        if (current_rank() if rank is None else rank) != 0:
            return cls(None, None)
        source = _data_source(dataset, data_root, normalization)
        if not isinstance(config, str):
            config = ranet_config(config, input_shape) or _as_json_object(config)
        con = connect(store, busy_timeout=busy_timeout)
        now = time.time()
        config_json = config if isinstance(config, str) else json.dumps(config, sort_keys=True)
        hyper_json = json.dumps(hyper_parameters or {}, sort_keys=True)
        with transaction(con):
            cursor = con.execute(
                "INSERT INTO runs (name, architecture, config_json, dataset, train_size, validation_size, "
                "test_size, hyper_parameters_json, seed, status, created_at, updated_at, heartbeat_at, "
                "checkpoint_paths, notes, epochs_planned, epochs_done, owner_pid, owner_host, data_source_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, '[]', ?, ?, 0, ?, ?, ?)",
                (name, architecture, config_json, dataset, int(train_size), int(validation_size), int(test_size),
                 hyper_json, int(seed), now, now, now, notes, int(epochs), os.getpid(), socket.gethostname(), source))
            run_id = cursor.lastrowid
        run = cls(con, run_id, flush_seconds=flush_seconds)
        if heartbeat_seconds:
            run._start_heartbeat(os.fspath(store), heartbeat_seconds, busy_timeout)
        return run

    def log_step(self, step, epoch, exit_losses, lr, images_per_second=0.0, total_loss=None):
        """Training losses of every exit at global step ``step`` (logging a step again replaces it).

        ``total_loss`` defaults to the sum of ``exit_losses``; values may be floats or 0-d tensors.
        """
        if not self.active:
            return
        losses = [_number(v, "exit_losses") for v in exit_losses]
        if not losses:
            raise ValueError("log_step: exit_losses is empty")
        total = sum(losses) if total_loss is None else _number(total_loss, "total_loss")
        self._pending.append((self.id, int(step), int(epoch), encode_floats(losses), total, _number(lr, "lr"),
                              _number(images_per_second, "images_per_second"), time.time() - self._started))
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def log_epoch(self, epoch, val_accuracy, val_loss):
        """Validation accuracy (fractions in [0, 1]) and loss of every exit after epoch ``epoch`` (0-based)."""
        if not self.active:
            return
        accuracy = [_number(v, "val_accuracy") for v in val_accuracy]
        loss = [_number(v, "val_loss") for v in val_loss]
        if len(accuracy) != len(loss) or not accuracy:
            raise ValueError("log_epoch: %d accuracies but %d losses; give one of each per exit"
                             % (len(accuracy), len(loss)))
        if any(a > 1.0 for a in accuracy):
            raise ValueError("log_epoch: accuracies are fractions in [0, 1], got %r" % (accuracy,))
        self.flush()
        now = time.time()
        with transaction(self._con):
            self._con.execute(
                "INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, validation_loss, validation_accuracy, "
                "wall_time) VALUES (?, ?, ?, ?, ?)",
                (self.id, int(epoch), encode_floats(loss), encode_floats(accuracy), now - self._started))
            self._con.execute(
                "UPDATE runs SET epochs_done = max(epochs_done, ?), heartbeat_at = ?, updated_at = ? WHERE id = ?",
                (int(epoch) + 1, now, now, self.id))

    def add_checkpoint(self, path):
        """Records a checkpoint file of the run (e.g. a state_dict exported as safetensors)."""
        if not self.active:
            return
        with transaction(self._con):
            row = self._con.execute("SELECT checkpoint_paths FROM runs WHERE id = ?", (self.id,)).fetchone()
            paths = json.loads(row[0]) + [os.fspath(path)]
            self._con.execute("UPDATE runs SET checkpoint_paths = ?, updated_at = ? WHERE id = ?",
                              (json.dumps(paths), time.time(), self.id))

    def flush(self):
        """Commits buffered step metrics and refreshes the heartbeat (readers see them within a second)."""
        if not self.active:
            return
        now = time.time()
        with transaction(self._con):
            if self._pending:
                self._con.executemany(
                    "INSERT OR REPLACE INTO step_metrics (run_id, step, epoch, exit_losses, total_loss, "
                    "learning_rate, images_per_second, wall_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self._pending)
            self._con.execute("UPDATE runs SET heartbeat_at = ?, updated_at = ? WHERE id = ?", (now, now, self.id))
        self._pending = []
        self._last_flush = time.monotonic()

    heartbeat = flush

    def finish(self):
        """Marks the run finished."""
        self._set_status("finished")

    def fail(self, note=None):
        """Marks the run failed, appending ``note`` (e.g. the exception) to its notes."""
        self._set_status("failed", note)

    def interrupt(self):
        """Marks the run interrupted (stopped before its planned epochs)."""
        self._set_status("interrupted")

    def _set_status(self, status, note=None):
        if not self.active:
            return
        self._end_heartbeat()
        self.flush()
        now = time.time()
        with transaction(self._con):
            if note:
                self._con.execute("UPDATE runs SET notes = trim(notes || char(10) || ?) WHERE id = ?",
                                  (str(note), self.id))
            self._con.execute("UPDATE runs SET status = ?, updated_at = ?, heartbeat_at = ? WHERE id = ?",
                              (status, now, now, self.id))

    def close(self):
        """Commits what is buffered and closes the connection."""
        if self.active:
            self._end_heartbeat()
            self.flush()
            self._con.close()
            self._con = None

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if self.active:
            if kind is None:
                self.finish()
            elif issubclass(kind, KeyboardInterrupt):
                self.interrupt()
            else:
                self.fail("%s: %s" % (kind.__name__, value))
            self.close()
        return False


def _number(value, what):
    """A float from a Python number or a one-element tensor/array; refuses NaN and infinities."""
    if hasattr(value, "item"):
        value = value.item()
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError("%s: %r is not a finite number" % (what, value))
    return number


# ranet's dataset names (DatasetKind); other names are kept in the run list but not recorded as a data source.
RANET_DATASETS = ("fashion-mnist", "mnist", "cifar10", "cifar100", "folder")


def _data_source(dataset, data_root, normalization):
    """The runs.data_source_json text for what the logger was told ('' when nothing ranet can use)."""
    source = {}
    if dataset in RANET_DATASETS:
        source["dataset"] = dataset
    elif data_root is not None or normalization is not None:
        if dataset not in (None, "", "external"):
            raise ValueError("dataset %r is not one ranet can load (%s); give one of those with data_root/"
                             "normalization, or leave them out" % (dataset, ", ".join(RANET_DATASETS)))
    if data_root is not None:
        source["dataRoot"] = os.path.abspath(os.fspath(data_root))
    if normalization is not None:
        try:
            mean = [_number(v, "normalization mean") for v in _flat(normalization["mean"])]
            std = [_number(v, "normalization std") for v in _flat(normalization["std"])]
        except (KeyError, TypeError):
            raise ValueError('normalization must be {"mean": [...], "std": [...]}, got %r' % (normalization,))
        if len(mean) != len(std) or not mean or any(s <= 0 for s in std):
            raise ValueError("normalization: one mean and one positive std per channel, got %r / %r" % (mean, std))
        source["normalization"] = {"mean": mean, "std": std}
    return json.dumps(source, sort_keys=True) if source else ""


def _flat(values):
    """A list from a list, tuple, tensor or array of numbers."""
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _as_json_object(config):
    """An argparse.Namespace as its dict (anything else as it is) for ``json.dumps``."""
    if hasattr(config, "__dict__") and not isinstance(config, (dict, type)):
        return {k: v for k, v in vars(config).items() if isinstance(v, (str, int, float, bool, list, type(None)))}
    return config
