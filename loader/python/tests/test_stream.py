"""SpriteStream against a real broker and a real loader process: the tensors are the loader's bytes,
seen in place; a batch kept is never overwritten; every way a run ends leaves no ring file, no hang."""

import gc
import glob
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from conftest import JAR, REPO, java
import spritestream.stream
from spritestream import SpriteStream, SpriteStreamError

DATASET = "stream-test"
COUNT = 300
OPTIONS = dict(dataset=DATASET, batch=32, size=16, seed=5, threads=2)


@pytest.fixture(scope="module")
def dataset(bootstrap):
    java("produce", "--bootstrap", bootstrap, "--dataset", DATASET, "--synthetic", str(COUNT), "--size", "24",
         "--classes", "4", "--partitions", "2", "--quiet")
    return bootstrap


@pytest.fixture
def ring_dir():
    """A folder of the test's own in /dev/shm, so that 'no file left' means exactly that."""
    path = tempfile.mkdtemp(prefix="spritestream-test-", dir="/dev/shm")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def stream(bootstrap, ring_dir, **options):
    return SpriteStream(jar=JAR, ring_dir=ring_dir, log=None, bootstrap=bootstrap, **{**OPTIONS, **options})


def epochs_of(s, n):
    """Every batch of ``n`` iterations over ``s``: ``n`` epochs, as a training loop takes them."""
    return (batch for _ in range(n) for batch in s)


@pytest.fixture(scope="module")
def reference(dataset, tmp_path_factory):
    """What one `load --epochs 3` run with the stream tests' seed delivers, and where each epoch starts."""
    out = tmp_path_factory.mktemp("reference")
    java("load", "--bootstrap", dataset, "--dataset", DATASET, "--batch", "32", "--size", "16", "--seed", "5",
         "--epochs", "3", "--threads", "2", "--quiet", "--export-npy", str(out))
    keys = (out / "keys.txt").read_text().splitlines()
    assert len(keys) == 3 * COUNT
    return dict(images=torch.from_numpy(np.load(out / "images.npy")),
                labels=torch.from_numpy(np.load(out / "labels.npy")).long(), keys=keys,
                offsets=(out / "offsets.txt").read_text().splitlines(),
                classes=(out / "classes.txt").read_text().splitlines())


def epoch_of(reference, epoch, what):
    return reference[what][epoch * COUNT:(epoch + 1) * COUNT]


class Seen:
    """What a loop received: pixels (copied), labels, keys, Kafka coordinates, epochs."""

    def __init__(self, batches):
        self.images, self.labels, self.keys, self.offsets, self.epochs = [], [], [], [], []
        for batch in batches:
            self.images.append(batch.images.clone())
            self.labels.append(batch.labels)
            self.keys += batch.keys
            self.offsets += [f"{p} {o}" for p, o in zip(batch.partitions.tolist(), batch.offsets.tolist())]
            self.epochs.append(batch.epoch)

    def is_epoch(self, reference, epoch):
        assert set(self.epochs) == {epoch}
        assert self.keys == epoch_of(reference, epoch, "keys")
        assert self.offsets == epoch_of(reference, epoch, "offsets")
        assert torch.equal(torch.cat(self.labels), epoch_of(reference, epoch, "labels"))
        assert torch.equal(torch.cat(self.images), epoch_of(reference, epoch, "images"))
        return True


def loader_children():
    """The feed processes this test process started (pids)."""
    found = []
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            with open(status) as f:
                fields = dict(line.split(":\t", 1) for line in f if ":\t" in line)
            with open(status.replace("status", "cmdline"), "rb") as f:
                cmdline = f.read().split(b"\0")
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == os.getpid() and b"feed" in cmdline:
            found.append(int(status.split("/")[2]))
    return found


def children_of(pid):
    return [int(p.split("/")[2]) for p in glob.glob("/proc/[0-9]*/status")
            if open(p).read().find(f"PPid:\t{pid}\n") >= 0]


def wait_until(condition, what, seconds=60):
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, f"{what}: not after {seconds} s"
        time.sleep(0.05)


def test_the_iterations_of_one_stream_are_the_epochs_of_one_load_run_byte_for_byte(dataset, ring_dir, reference):
    s = stream(dataset, ring_dir)  # epochs=None: as many as the loop asks for
    loaders = []
    for epoch in range(3):
        seen = Seen(s)
        loaders.append(loader_children())
        assert seen.is_epoch(reference, epoch)
        assert s.report["epoch"] == epoch and s.report["samples"] == COUNT
        assert seen.labels[0].dtype == torch.int64

    assert len(loaders[0]) == 1 and loaders == [loaders[0]] * 3, f"one loader for every epoch: {loaders}"
    assert s.run_report is None, "the run goes on: the loop may ask for more epochs"
    s.close()
    assert not loader_children()
    assert os.listdir(ring_dir) == []


def test_a_stream_of_n_epochs_gives_n_iterations_then_nothing_with_a_warning(dataset, ring_dir, reference):
    s = stream(dataset, ring_dir, epochs=2)
    for epoch in range(2):
        assert Seen(s).is_epoch(reference, epoch)

    assert s.run_report["samples"] == 2 * COUNT and s.run_report["epochs"] == 2
    assert not loader_children(), "the run is over, its loader gone"
    with pytest.warns(UserWarning, match=r"all 2 of its epochs were given.*yields nothing"):
        assert list(s) == []
    assert not loader_children()


def test_leaving_an_epoch_early_then_iterating_again_gives_the_next_epoch(dataset, ring_dir, reference):
    s = stream(dataset, ring_dir, slabs=4)
    for i, batch in enumerate(s):
        if i == 2:
            break
    (loader,) = loader_children()

    assert Seen(s).is_epoch(reference, 1), "the rest of epoch 0 was released, not given"
    assert loader_children() == [loader]
    s.close()


def test_set_epoch_to_the_next_epoch_is_free_and_to_another_restarts_the_loader_there(dataset, ring_dir, reference):
    s = stream(dataset, ring_dir, epochs=3)
    s.set_epoch(0)
    assert Seen(s).is_epoch(reference, 0)
    (first,) = loader_children()
    s.set_epoch(1)
    assert loader_children() == [first], "the next epoch anyway: nothing restarts"

    s.set_epoch(2)
    assert Seen(s).is_epoch(reference, 2)
    assert first not in loader_children()
    with pytest.warns(UserWarning, match="yields nothing"):
        assert list(s) == []  # epoch 2 was the run's last

    s.set_epoch(1)  # back to an earlier epoch: a new loader starts there
    assert Seen(s).is_epoch(reference, 1)
    s.close()
    assert os.listdir(ring_dir) == []


def test_a_stream_left_to_the_garbage_collector_stops_its_loader_and_leaves_no_file(dataset, ring_dir):
    s = stream(dataset, ring_dir)
    batches = iter(s)
    first = next(batches)
    assert len(loader_children()) == 1
    del batches, s
    gc.collect()

    wait_until(lambda: not loader_children(), "the loader exits once its stream is gone")
    assert os.listdir(ring_dir) == []
    assert first.images.shape == (32, 16, 16, 4) and int(first.images.sum()) >= 0, "a batch held stays readable"


def test_interpreter_exit_stops_the_loader_of_a_stream_still_alive_and_leaves_no_file(dataset, ring_dir):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {os.path.join(REPO, "loader", "python")!r})
        from spritestream import SpriteStream
        stream = SpriteStream(jar={JAR!r}, ring_dir={ring_dir!r}, log=None, bootstrap={dataset!r},
                              dataset={DATASET!r}, batch=32, size=16)
        batches = iter(stream)
        held = next(batches)
        print("ready", flush=True)
        sys.stdin.readline()
        """)  # and the interpreter ends with the stream, its iteration and a batch alive
    python = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert python.stdout.readline().strip() == b"ready"
    loaders = children_of(python.pid)
    assert len(loaders) == 1

    python.stdin.close()
    assert python.wait(60) == 0

    assert not os.path.exists(f"/proc/{loaders[0]}"), "the loader ended and was reaped before Python exited"
    assert os.listdir(ring_dir) == []


def test_a_batch_is_a_view_of_the_loaders_shared_memory_not_a_copy(dataset, ring_dir):
    for batch in stream(dataset, ring_dir, max_batches=1):
        pointer = batch.images.data_ptr()
        with open("/proc/self/maps") as maps:
            mapping = [line for line in maps
                       if int(line.split()[0].split("-")[0], 16) <= pointer < int(line.split()[0].split("-")[1], 16)]
        assert len(mapping) == 1
        assert os.path.basename(mapping[0].split()[-2 if mapping[0].rstrip().endswith("(deleted)") else -1]) \
            .startswith("spritestream-"), mapping[0]
        assert mapping[0].split()[1] == "rw-s", "mapped shared: " + mapping[0]


def test_a_kept_batch_is_unchanged_after_many_more_batches_through_the_same_slots(dataset, ring_dir):
    kept = None
    others = []
    for batch in epochs_of(stream(dataset, ring_dir, slabs=4), 4):
        if kept is None:
            kept, copy = batch, batch.images.clone()
        else:
            others.append(batch.slot)

    assert len(others) > 8 * 4, "the other slots went round many times"
    assert kept.slot not in others, "the kept batch's slot was handed out again"
    assert torch.equal(kept.images, copy)


def test_a_write_into_a_batch_reaches_no_later_batch_in_its_slot(dataset, ring_dir):
    reference = [b.images.clone() for b in epochs_of(stream(dataset, ring_dir, slabs=3), 3)]
    wrong = 0
    for i, batch in enumerate(epochs_of(stream(dataset, ring_dir, slabs=3), 3)):
        wrong += not torch.equal(batch.images, reference[i])
        batch.images.fill_(7)  # a training loop's in-place augmentation

    assert wrong == 0


def test_a_batch_whose_last_tensor_goes_on_another_thread_gives_its_slot_back(dataset, ring_dir, monkeypatch):
    released_on = []
    release = spritestream.stream._release

    def recording(slot, feed):
        released_on.append(threading.get_ident())
        release(slot, feed)

    monkeypatch.setattr(spritestream.stream, "_release", recording)
    s = stream(dataset, ring_dir, slabs=4, epochs=3)
    kept = []  # the batch before the one the loop has: nothing else refers to it
    batches = 0
    with ThreadPoolExecutor(1) as worker:
        for batch in epochs_of(s, 3):
            worker.submit(kept.clear).result()  # its last reference goes there, and its finalizer runs there
            kept.append(batch)
            del batch
            batches += 1
        worker.submit(kept.clear).result()
        on_worker = worker.submit(threading.get_ident).result()

    assert batches == 3 * ((COUNT + 31) // 32), "4 slots went round every epoch"
    assert released_on == [on_worker] * batches
    assert s._current.feed.slots.held() == 0


def test_holding_every_slot_raises_at_once_instead_of_waiting_forever(dataset, ring_dir):
    kept = []
    with pytest.raises(SpriteStreamError, match=r"all 4 of the loader's batch slots are held .*\.clone\(\)"), \
            pytest.warns(UserWarning, match=r"\.clone\(\) batches you keep for long"):
        for batch in stream(dataset, ring_dir, slabs=4):
            kept.append(batch)
    assert len(kept) == 4
    wait_until(lambda: not loader_children(), "the loader exits")
    assert os.listdir(ring_dir) == []


def test_killing_the_loader_makes_the_stream_raise_and_leaves_no_file(dataset, ring_dir):
    s = stream(dataset, ring_dir, slabs=4)  # the loader is at most 3 batches ahead: still in epoch 0
    batches = iter(s)
    first = next(batches)
    (pid,) = loader_children()
    os.kill(pid, signal.SIGKILL)

    with pytest.raises(SpriteStreamError, match="killed by signal 9"):
        for _ in batches:
            pass  # what the ring holds already is whole: it comes first
    assert os.listdir(ring_dir) == []
    assert first.images.shape == (32, 16, 16, 4), "a batch held stays readable"
    first.images.sum()


def test_killing_the_python_side_makes_the_loader_exit_and_leaves_no_file(dataset, ring_dir):
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {os.path.join(REPO, "loader", "python")!r})
        from spritestream import SpriteStream
        for batch in SpriteStream(jar={JAR!r}, ring_dir={ring_dir!r}, log=None, bootstrap={dataset!r},
                                  dataset={DATASET!r}, batch=32, size=16):
            print(batch.index, flush=True)
        """)
    python = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert python.stdout.readline().strip() == b"0"
    loaders = children_of(python.pid)
    assert len(loaders) == 1

    python.kill()
    python.wait()

    wait_until(lambda: not os.path.exists(f"/proc/{loaders[0]}") or open(f"/proc/{loaders[0]}/status").read()
               .find("State:\tZ") >= 0, "the loader exits after its viewer died")
    assert os.listdir(ring_dir) == []


def test_closing_the_stream_mid_run_stops_the_loader(dataset, ring_dir):
    s = stream(dataset, ring_dir)
    batches = iter(s)
    next(batches)
    s.close()

    assert not loader_children()
    assert os.listdir(ring_dir) == []


def test_too_small_a_shared_memory_folder_fails_at_start_with_what_to_do(dataset, ring_dir):
    # 64 slots of 1024 samples of 512x512 RGBA: 69 GB, more than the folder has.
    started = time.time()
    with pytest.raises(SpriteStreamError) as failure:
        next(iter(stream(dataset, ring_dir, batch=1024, size=512, slabs=64)))

    assert str(failure.value).startswith("shared memory: the ring needs 68")
    assert "--shm-size=1g" in str(failure.value) and "slabs=," in str(failure.value), "this side's keywords"
    assert "ring_dir=" in str(failure.value) and "--slabs" not in str(failure.value)
    assert time.time() - started < 60
    assert os.listdir(ring_dir) == []


@pytest.mark.parametrize("options, reason", [
    (dict(dataset="no-such-dataset"), "no-such-dataset"),
    (dict(batch=0), "batch=0 (expected 1..65536)"),
    (dict(no_such_option=3), "unknown options: '--no-such-option'"),
])
def test_a_loader_error_raises_with_its_one_line_reason(dataset, ring_dir, options, reason):
    with pytest.raises(SpriteStreamError, match=re.escape(reason)):
        next(iter(stream(dataset, ring_dir, **options)))
    assert os.listdir(ring_dir) == []


def test_an_unreachable_broker_raises_promptly(ring_dir):
    started = time.time()
    with pytest.raises(SpriteStreamError, match=re.escape("cannot reach Kafka at 127.0.0.1:9 within 3 s")):
        next(iter(stream("127.0.0.1:9", ring_dir, connect_timeout=3)))
    assert time.time() - started < 60


def test_without_bootstrap_the_stream_reads_from_the_broker_the_environment_names(dataset, ring_dir, monkeypatch):
    monkeypatch.setenv("SPRITESTREAM_BOOTSTRAP", dataset)
    s = SpriteStream(jar=JAR, ring_dir=ring_dir, log=None, **OPTIONS)

    assert "--bootstrap" not in s.command()
    assert sum(len(b.labels) for b in s) == COUNT
    s.close()


def test_a_dataloader_that_would_batch_the_batches_again_is_refused_naming_batch_size_none(dataset, ring_dir):
    with pytest.raises(SpriteStreamError, match=re.escape("batch_size=None")):
        for _ in DataLoader(stream(dataset, ring_dir)):
            pass
    assert not loader_children()
    assert os.listdir(ring_dir) == []


def test_the_ranks_of_a_world_share_the_epoch_out_without_overlap(dataset, ring_dir):
    keys = [[k for b in stream(dataset, ring_dir, rank=r, world_size=2) for k in b.keys] for r in range(2)]

    assert len(keys[0]) == len(keys[1]) == COUNT // 2
    assert not set(keys[0]) & set(keys[1])


def test_a_dataloader_over_the_stream_is_one_with_persistent_workers(dataset, ring_dir, reference):
    loader = DataLoader(stream(dataset, ring_dir), batch_size=None)
    loaders = []
    for epoch in range(2):
        labels_seen = []
        for images, labels in loader:
            assert images.shape[1:] == (16, 16, 4)
            labels_seen.append(labels)
        loaders.append(loader_children())
        assert torch.equal(torch.cat(labels_seen), epoch_of(reference, epoch, "labels"))
    assert len(loaders[0]) == 1 and loaders[1] == loaders[0], "one loader for both epochs"


def test_workers_are_refused_with_the_reason(dataset, ring_dir):
    with pytest.raises(SpriteStreamError, match="num_workers=0"):
        for _ in DataLoader(stream(dataset, ring_dir), batch_size=None, num_workers=1):
            pass


def test_a_saved_run_resumes_right_after_the_last_batch_the_loop_took_not_the_last_in_the_ring(
        dataset, ring_dir, tmp_path, reference):
    state = str(tmp_path / "state.json")
    s = stream(dataset, ring_dir, epochs=3, save_state=state)
    assert Seen(s).is_epoch(reference, 0)
    batches = iter(s)
    first = [k for _ in range(5) for k in next(batches).keys]
    s.close()  # mid-epoch 1: the ring held more batches than these five by now

    resumed = SpriteStream(jar=JAR, ring_dir=ring_dir, log=None, bootstrap=dataset, resume=state, size=16, threads=2)
    rest = [k for b in resumed for k in b.keys]
    assert first + rest == epoch_of(reference, 1, "keys"), "the first iteration ends the interrupted epoch"
    assert Seen(resumed).is_epoch(reference, 2), "the next is the following epoch"
    assert resumed.run_report["epochs"] == 2 and not loader_children()


def test_an_epoch_left_early_counts_as_taken_so_a_resume_goes_on_from_the_next(dataset, ring_dir, tmp_path,
                                                                               reference):
    state = str(tmp_path / "state.json")
    s = stream(dataset, ring_dir, epochs=3, save_state=state)
    for i, batch in enumerate(s):
        if i == 1:
            break  # the rest of epoch 0 is released when the next iteration begins
    batches = iter(s)
    first = [k for _ in range(2) for k in next(batches).keys]
    s.close()

    resumed = SpriteStream(jar=JAR, ring_dir=ring_dir, log=None, bootstrap=dataset, resume=state, size=16, threads=2)
    rest = [k for b in resumed for k in b.keys]
    assert first + rest == epoch_of(reference, 1, "keys")
    resumed.close()

    again = SpriteStream(jar=JAR, ring_dir=ring_dir, log=None, bootstrap=dataset, resume=state, size=16, threads=2)
    again.set_epoch(0)  # not where the state stands: the resumed run's epoch 0, from its beginning
    assert Seen(again).is_epoch(reference, 0)
    again.close()


def test_augmented_batches_from_python_are_the_loaders_for_the_same_seed(dataset, ring_dir, tmp_path):
    spec = "flip-h:0.5,translate:2,hue:30@0.5"
    java("load", "--bootstrap", dataset, "--dataset", DATASET, "--batch", "32", "--size", "16", "--seed", "5",
         "--threads", "2", "--quiet", "--augment", spec, "--export-npy", str(tmp_path))
    images = torch.cat([b.images.clone() for b in stream(dataset, ring_dir, augment=spec)])

    assert torch.equal(images, torch.from_numpy(np.load(tmp_path / "images.npy")))
    plain = torch.cat([b.images.clone() for b in stream(dataset, ring_dir)])
    assert not torch.equal(images, plain), "the spec changed nothing"
