#!/usr/bin/env python3
"""Kill loop (`make soak`): trains a small run, SIGKILLs it at SOAK_KILLS random moments, resumes it each time, and
checks that the final checkpoint, the validation figures and the store rows are bit-identical to the same run left
alone, and that `PRAGMA integrity_check` is ok after every kill.

Environment: SOAK_KILLS (20), SOAK_THREADS (1; both runs use the same count), SOAK_SEED (random seed of the kill
moments, default: time), RANET (the binary, default .build/release/ranet), FMNIST (Fashion-MNIST directory).
Exit status 0 only when every check passes; the summary line says how many kills happened.
"""
import json, os, random, signal, sqlite3, struct, subprocess, sys, tempfile, time

RANET = os.environ.get("RANET", ".build/release/ranet")
KILLS = int(os.environ.get("SOAK_KILLS", "20"))
THREADS = os.environ.get("SOAK_THREADS", "1")
SEED = int(os.environ.get("SOAK_SEED", str(int(time.time()))))
FMNIST = os.environ.get("FMNIST", "/usr/share/datasets/fashion-mnist")
# A tiny RANet on 28x28 grey images: many short epochs, so random kills land everywhere in an epoch.
CONFIG = {"nChannels": 4, "growthRate": 4, "grFactor": [4, 2, 1], "bnFactor": [4, 2, 1], "scaleList": [1, 2, 3],
          "nBlocks": 1, "blockStep": 1, "step": 1, "stepMode": "even", "compressFactor": 0.25, "reduction": 0.5,
          "classes": 10, "stem": "cifar", "input": [1, 28, 28]}
EPOCHS = os.environ.get("SOAK_EPOCHS", "30")


def train_args(store, config):
    return [RANET, "train", "--dataset", "fashion-mnist", "--data-root", FMNIST, "--config", config,
            "--epochs", EPOCHS, "--batch-size", "32", "--train-limit", "384", "--val-size", "128", "--lr", "0.05",
            "--seed", "5", "--log-every", "3", "--threads", THREADS, "--store", store]


def safetensors(path):
    """Tensors (name -> (dtype, shape, bytes)) and metadata of a safetensors file."""
    data = open(path, "rb").read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    start = 8 + length
    tensors = {name: (t["dtype"], t["shape"], data[start + t["data_offsets"][0]:start + t["data_offsets"][1]])
               for name, t in header.items()}
    return tensors, metadata


def rows(store):
    """The store's content that must not depend on kills: runs, per-step losses, per-epoch validation figures."""
    con = sqlite3.connect("file:%s?mode=ro" % store, uri=True)
    try:
        run = con.execute("SELECT status, epochs_done, epochs_planned, train_size, validation_size, "
                          "hyper_parameters_json, config_json FROM runs WHERE id = 1").fetchone()
        steps = con.execute("SELECT step, epoch, exit_losses, total_loss, learning_rate FROM step_metrics "
                            "WHERE run_id = 1 ORDER BY step").fetchall()
        epochs = con.execute("SELECT epoch, validation_loss, validation_accuracy FROM epoch_metrics "
                             "WHERE run_id = 1 ORDER BY epoch").fetchall()
        paths = json.loads(con.execute("SELECT checkpoint_paths FROM runs WHERE id = 1").fetchone()[0])
        return run, steps, epochs, paths
    finally:
        con.close()


def integrity(store):
    con = sqlite3.connect("file:%s?mode=ro" % store, uri=True)
    try:
        return [r[0] for r in con.execute("PRAGMA integrity_check")]
    finally:
        con.close()


def has_checkpoint(store):
    """Whether run 1 records a checkpoint yet (what `--resume` needs)."""
    if not os.path.exists(store):
        return False
    try:
        con = sqlite3.connect("file:%s?mode=ro" % store, uri=True)
        try:
            row = con.execute("SELECT checkpoint_paths FROM runs WHERE id = 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return bool(row and json.loads(row[0]))


def comparable_checkpoint(path):
    tensors, metadata = safetensors(path)
    metadata = {k: v for k, v in metadata.items() if k != "store_id"}  # each store has its own identity
    return tensors, metadata


def main():
    rng = random.Random(SEED)
    work = tempfile.mkdtemp(prefix="ranet-soak-")
    config = os.path.join(work, "tiny.json")
    with open(config, "w") as f:
        json.dump(CONFIG, f)
    for name in ("reference", "killed"):
        os.makedirs(os.path.join(work, name))
    ref_store = os.path.join(work, "reference", "s.sqlite")
    start = time.monotonic()
    subprocess.run(train_args(ref_store, config), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    duration = time.monotonic() - start
    print("soak: reference run %.1f s (%s epochs, %s thread(s)); kill seed %d; work dir %s"
          % (duration, EPOCHS, THREADS, SEED, work))

    store = os.path.join(work, "killed", "s.sqlite")
    kills, launches, problems = 0, 0, []
    finished = False
    while not finished:
        resume = launches > 0
        args = train_args(store, config) if not resume else [RANET, "train", "--resume", "1", "--threads", THREADS,
                                                             "--store", store]
        launches += 1
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kills < KILLS:
            # The first launch is killed only once its first checkpoint exists (a run without one cannot resume).
            if not resume:
                while process.poll() is None and not has_checkpoint(store):
                    time.sleep(0.01)
            time.sleep(rng.uniform(0.05, min(2.0, duration / 4)))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                check = integrity(store)
                if check != ["ok"]:
                    problems.append("integrity_check after kill %d: %s" % (kills, check))
                continue
        _, err = process.communicate()
        if process.returncode != 0:
            problems.append("launch %d exited %d: %s" % (launches, process.returncode, err.decode()[-500:]))
            break
        finished = True

    ref_run, ref_steps, ref_epochs, ref_paths = rows(ref_store)
    run, steps, epochs, paths = rows(store)
    if run != ref_run:
        problems.append("runs row differs: %s vs %s" % (run[:3], ref_run[:3]))
    if steps != ref_steps:
        first = next((a[0] for a, b in zip(steps, ref_steps) if a != b), None)
        problems.append("step metrics differ (%d vs %d rows, first differing step %s)" % (len(steps), len(ref_steps), first))
    if epochs != ref_epochs:
        problems.append("validation figures differ (%d vs %d epochs)" % (len(epochs), len(ref_epochs)))
    ref_checkpoint = os.path.join(work, "reference", ref_paths[-1]) if not os.path.isabs(ref_paths[-1]) else ref_paths[-1]
    checkpoint = os.path.join(work, "killed", paths[-1]) if not os.path.isabs(paths[-1]) else paths[-1]
    if comparable_checkpoint(checkpoint) != comparable_checkpoint(ref_checkpoint):
        problems.append("final checkpoints differ")
    final = integrity(store)
    if final != ["ok"]:
        problems.append("final integrity_check: %s" % final)
    print("soak: %d/%d kills, %d launches, %d steps, %d epochs, %s"
          % (kills, KILLS, launches, len(steps), len(epochs), "bit-identical" if not problems else "FAILED"))
    for problem in problems:
        print("soak: " + problem, file=sys.stderr)
    ok = not problems and kills == KILLS
    if ok:
        import shutil
        shutil.rmtree(work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
