import json
import os
import socket
import sqlite3
import struct
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from ranet_store import Run, StoreError, connect, current_rank, decode_floats, dump_logits  # noqa: E402
from ranet_store import ranet_config, validation_split  # noqa: E402
from ranet_store import schema  # noqa: E402
from ranet_store.schema import APPLICATION_ID, SCHEMA_VERSION  # noqa: E402


class StoreTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "store.sqlite")

    def tearDown(self):
        self.dir.cleanup()

    def test_new_store_gets_the_schema_version_and_id(self):
        connect(self.path).close()
        con = sqlite3.connect(self.path)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0], SCHEMA_VERSION)
        self.assertEqual(con.execute("PRAGMA application_id").fetchone()[0], APPLICATION_ID)
        self.assertEqual(con.execute("PRAGMA journal_mode").fetchone()[0], "wal")
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self.assertTrue({"runs", "step_metrics", "epoch_metrics", "evaluations", "samples", "budget_curves"} <= tables)

    def test_migrates_a_version_1_store(self):
        con = sqlite3.connect(self.path)
        for statement in schema.statements(schema.SCHEMA_V1):
            con.execute(statement)
        con.execute("PRAGMA application_id = %d" % APPLICATION_ID)
        con.execute("PRAGMA user_version = 1")
        con.execute("INSERT INTO runs (name, architecture, config_json, dataset, train_size, validation_size, "
                    "test_size, hyper_parameters_json, seed, status, created_at, updated_at, heartbeat_at, "
                    "epochs_planned, epochs_done) VALUES ('old', 'ranet', '{}', 'fmnist', 1, 1, 1, '{}', 0, "
                    "'finished', 0, 0, 0, 1, 1)")
        con.commit()
        con.close()
        connect(self.path).close()
        con = sqlite3.connect(self.path)
        self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0], SCHEMA_VERSION)
        self.assertRegex(con.execute("SELECT store_id FROM store_identity").fetchone()[0], "^[0-9a-f]{32}$")
        self.assertEqual(con.execute("SELECT name, owner_pid, data_source_json FROM runs").fetchall(), [("old", None, "")])

    def test_data_source_and_reference_args_are_stored_for_ranet(self):
        import argparse
        args = argparse.Namespace(data="cifar10", nChannels=8, growthRate=4, grFactor=[4, 2, 1], bnFactor="4-2-1",
                                  scale_list=[1, 2, 3], nBlocks=2, block_step=2, step=2, stepmode="even",
                                  compress_factor=0.25, reduction=0.5, num_classes=10, nScales=3)
        norm = {"mean": (0.5, 0.4, 0.3), "std": [0.2, 0.2, 0.25]}
        with Run.create(self.path, name="ref", config=args, dataset="cifar10", normalization=norm,
                        data_root=self.dir.name, rank=0, heartbeat_seconds=0) as run:
            pass
        con = sqlite3.connect(self.path)
        config, source = con.execute("SELECT config_json, data_source_json FROM runs WHERE id = ?",
                                     (run.id,)).fetchone()
        self.assertEqual(json.loads(config), {
            "nChannels": 8, "growthRate": 4, "grFactor": [4, 2, 1], "bnFactor": [4, 2, 1], "scaleList": [1, 2, 3],
            "nBlocks": 2, "blockStep": 2, "step": 2, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5,
            "classes": 10, "stem": "cifar", "input": [3, 32, 32]})
        self.assertEqual(json.loads(source), {"dataset": "cifar10", "dataRoot": os.path.abspath(self.dir.name),
                                              "normalization": {"mean": [0.5, 0.4, 0.3], "std": [0.2, 0.2, 0.25]}})
        con.close()
        self.assertIsNone(ranet_config({"lr": 0.1}), "a dict that is no model config is stored as it is")
        self.assertEqual(ranet_config(vars(args), input_shape=[3, 64, 64])["input"], [3, 64, 64])
        with self.assertRaisesRegex(ValueError, "positive std"):
            Run.create(self.path, name="bad", config={}, dataset="cifar10", normalization={"mean": [0], "std": [0]},
                       rank=0)
        with self.assertRaisesRegex(ValueError, "not one ranet can load"):
            Run.create(self.path, name="bad", config={}, dataset="svhn", normalization=norm, rank=0)

    def test_validation_split_is_the_one_ranet_holds_out(self):
        # Tests/DatasetsTests/SplitAndNormalizationTests.swift pins the same indices for ranet's split.
        train, val = validation_split(100, 30, seed=7)
        self.assertEqual(val, [2, 6, 7, 9, 17, 19, 20, 21, 24, 29, 30, 32, 36, 38, 45, 46, 49, 51, 52, 53, 58, 62,
                               70, 73, 78, 79, 86, 95, 96, 99])
        self.assertEqual(sorted(train + val), list(range(100)))
        with self.assertRaises(ValueError):
            validation_split(10, 10)

    def test_refuses_other_versions_foreign_databases_and_non_sqlite_files(self):
        connect(self.path).close()
        con = sqlite3.connect(self.path)
        con.execute("PRAGMA user_version = %d" % (SCHEMA_VERSION + 1))
        con.close()
        with self.assertRaisesRegex(StoreError, "schema version %d" % (SCHEMA_VERSION + 1)):
            connect(self.path)
        foreign = os.path.join(self.dir.name, "foreign.sqlite")
        con = sqlite3.connect(foreign)
        con.execute("CREATE TABLE t (x)")
        con.close()
        with self.assertRaisesRegex(StoreError, "did not create"):
            connect(foreign)
        text = os.path.join(self.dir.name, "notes.txt")
        with open(text, "w") as handle:
            handle.write("hello, not a database")
        with self.assertRaisesRegex(StoreError, "not a SQLite database"):
            connect(text)
        with open(text) as handle:
            self.assertEqual(handle.read(), "hello, not a database")
        with self.assertRaisesRegex(StoreError, "does not exist"):
            connect(os.path.join(self.dir.name, "missing", "s.sqlite"))

    def test_run_logs_steps_epochs_and_finishes(self):
        with Run.create(self.path, name="py", config={"classes": 10}, epochs=2, rank=0, flush_seconds=60) as run:
            for step in range(5):
                run.log_step(step, 0, [1.0 + step, 2.0], lr=0.1, images_per_second=50)
            run.log_epoch(0, val_accuracy=[0.5, 0.75], val_loss=[1.5, 1.25])
            run.add_checkpoint("/tmp/w.safetensors")
        con = sqlite3.connect(self.path)
        row = con.execute("SELECT status, epochs_done, epochs_planned, config_json, checkpoint_paths FROM runs").fetchone()
        self.assertEqual(row[:3], ("finished", 1, 2))
        self.assertEqual(json.loads(row[3]), {"classes": 10})
        self.assertEqual(json.loads(row[4]), ["/tmp/w.safetensors"])
        # The writer is recorded, so ranet refuses to resume or delete the run while this process trains it.
        owner = con.execute("SELECT owner_pid, owner_host FROM runs").fetchone()
        self.assertEqual(owner, (os.getpid(), socket.gethostname()))
        steps = con.execute("SELECT step, exit_losses, total_loss FROM step_metrics ORDER BY step").fetchall()
        self.assertEqual([s[0] for s in steps], list(range(5)))
        self.assertEqual(decode_floats(steps[4][1]), [5.0, 2.0])
        self.assertEqual(steps[4][2], 7.0)
        epoch = con.execute("SELECT validation_accuracy, validation_loss FROM epoch_metrics").fetchone()
        self.assertEqual((decode_floats(epoch[0]), decode_floats(epoch[1])), ([0.5, 0.75], [1.5, 1.25]))

    def test_heartbeat_thread_keeps_a_quiet_run_alive_until_it_finishes(self):
        run = Run.create(self.path, name="quiet", config={}, rank=0, heartbeat_seconds=0.05)
        con = sqlite3.connect(self.path)
        created = con.execute("SELECT heartbeat_at FROM runs").fetchone()[0]
        time.sleep(0.4)
        beat = con.execute("SELECT heartbeat_at FROM runs").fetchone()[0]
        self.assertGreater(beat, created + 0.2)
        run.finish()
        finished = con.execute("SELECT heartbeat_at FROM runs").fetchone()[0]
        time.sleep(0.2)
        self.assertEqual(con.execute("SELECT heartbeat_at FROM runs").fetchone()[0], finished)
        run.close()

    def test_exception_marks_the_run_failed_with_a_note(self):
        with self.assertRaises(ZeroDivisionError):
            with Run.create(self.path, name="boom", config={}, rank=0):
                1 / 0
        status, notes = sqlite3.connect(self.path).execute("SELECT status, notes FROM runs").fetchone()
        self.assertEqual(status, "failed")
        self.assertIn("ZeroDivisionError", notes)

    def test_bad_values_are_refused_with_the_argument_name(self):
        run = Run.create(self.path, name="bad", config={}, rank=0)
        with self.assertRaisesRegex(ValueError, "exit_losses"):
            run.log_step(0, 0, [float("nan")], lr=0.1)
        with self.assertRaisesRegex(ValueError, "2 accuracies but 1 losses"):
            run.log_epoch(0, [0.1, 0.2], [1.0])
        with self.assertRaisesRegex(ValueError, "fractions"):
            run.log_epoch(0, [55.0], [1.0])
        run.close()

    def test_only_rank_zero_writes(self):
        old = os.environ.get("RANK")
        os.environ["RANK"] = "3"
        try:
            self.assertEqual(current_rank(), 3)
            run = Run.create(self.path, name="rank3", config={})
            self.assertIsNone(run.id)
            run.log_step(0, 0, [1.0], lr=0.1)
            run.log_epoch(0, [0.5], [1.0])
            run.finish()
        finally:
            if old is None:
                del os.environ["RANK"]
            else:
                os.environ["RANK"] = old
        self.assertFalse(os.path.exists(self.path))


class DumpTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    outputs = [[[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]], [[3.0, 2.0, 1.0], [0.0, 4.0, 0.0]]]

    def test_npy_files_hold_shape_dtype_and_values(self):
        path = os.path.join(self.dir.name, "val.npy")
        written = dump_logits(path, self.outputs, [2, 1])
        self.assertEqual(written, [path, os.path.join(self.dir.name, "val.labels.npy")])
        with open(path, "rb") as handle:
            data = handle.read()
        header_length = struct.unpack("<H", data[8:10])[0]
        self.assertEqual((10 + header_length) % 64, 0)
        header = data[10:10 + header_length].decode("latin1")
        self.assertIn("'descr': '<f4'", header)
        self.assertIn("'shape': (2, 2, 3)", header)
        self.assertEqual(struct.unpack("<12f", data[10 + header_length:]), (1, 2, 3, 0.5, 0, -1, 3, 2, 1, 0, 4, 0))
        try:
            import numpy
        except ImportError:
            return
        self.assertEqual(numpy.load(path).shape, (2, 2, 3))
        self.assertEqual(numpy.load(written[1]).tolist(), [2, 1])

    def test_safetensors_file_holds_outputs_labels_and_metadata(self):
        path = os.path.join(self.dir.name, "test.safetensors")
        dump_logits(path, self.outputs, [2, 1], kind="logits", flops=[100, 250])
        with open(path, "rb") as handle:
            data = handle.read()
        length = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8:8 + length])
        self.assertEqual(header["__metadata__"], {"kind": "logits", "flops": "100,250"})
        self.assertEqual(header["logits"]["shape"], [2, 2, 3])
        self.assertEqual(header["labels"]["dtype"], "I64")
        start = 8 + length + header["labels"]["data_offsets"][0]
        self.assertEqual(struct.unpack("<2q", data[start:start + 16]), (2, 1))

    def test_inconsistent_shapes_are_refused(self):
        path = os.path.join(self.dir.name, "x.npy")
        with self.assertRaisesRegex(ValueError, "labels have shape"):
            dump_logits(path, self.outputs, [1, 2, 3])
        with self.assertRaisesRegex(ValueError, "flops has 3 values for 2 exits"):
            dump_logits(os.path.join(self.dir.name, "x.safetensors"), self.outputs, [1, 2], flops=[1, 2, 3])
        self.assertFalse(os.path.exists(path))


if __name__ == "__main__":
    unittest.main()
