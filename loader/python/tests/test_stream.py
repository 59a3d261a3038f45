"""SpriteStream against a real broker and a real loader process: the tensors are the loader's bytes,
seen in place; a batch kept is never overwritten; every way a run ends leaves no ring file, no hang."""

import glob
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from conftest import JAR, REPO, java
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


def wait_until(condition, what, seconds=60):
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, f"{what}: not after {seconds} s"
        time.sleep(0.05)


def test_the_tensors_are_the_bytes_the_loader_exports_for_the_same_seed(dataset, ring_dir, tmp_path):
    java("load", "--bootstrap", dataset, "--dataset", DATASET, "--batch", "32", "--size", "16", "--seed", "5",
         "--epochs", "2", "--threads", "2", "--quiet", "--export-npy", str(tmp_path))
    images, labels, keys, partitions, offsets, epochs = [], [], [], [], [], []
    s = stream(dataset, ring_dir, epochs=2)
    for batch in s:
        assert batch.images.dtype == torch.uint8 and batch.labels.dtype == torch.int64
        images.append(batch.images.clone())
        labels.append(batch.labels)
        keys += batch.keys
        partitions += batch.partitions.tolist()
        offsets += batch.offsets.tolist()
        epochs.append(batch.epoch)

    assert torch.equal(torch.cat(images), torch.from_numpy(np.load(tmp_path / "images.npy")))
    assert torch.equal(torch.cat(labels), torch.from_numpy(np.load(tmp_path / "labels.npy")).long())
    assert keys == (tmp_path / "keys.txt").read_text().splitlines()
    assert [f"{p} {o}" for p, o in zip(partitions, offsets)] == (tmp_path / "offsets.txt").read_text().splitlines()
    assert batch.classes == (tmp_path / "classes.txt").read_text().splitlines()
    assert sorted(set(epochs)) == [0, 1]
    assert s.report["samples"] == 2 * COUNT


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
    for batch in stream(dataset, ring_dir, epochs=4, slabs=4):
        if kept is None:
            kept, copy = batch, batch.images.clone()
        else:
            others.append(batch.slot)

    assert len(others) > 8 * 4, "the other slots went round many times"
    assert kept.slot not in others, "the kept batch's slot was handed out again"
    assert torch.equal(kept.images, copy)


def test_a_write_into_a_batch_reaches_no_later_batch_in_its_slot(dataset, ring_dir):
    reference = [b.images.clone() for b in stream(dataset, ring_dir, epochs=3, slabs=3)]
    wrong = 0
    for i, batch in enumerate(stream(dataset, ring_dir, epochs=3, slabs=3)):
        wrong += not torch.equal(batch.images, reference[i])
        batch.images.fill_(7)  # a training loop's in-place augmentation

    assert wrong == 0


def test_holding_every_slot_raises_at_once_instead_of_waiting_forever(dataset, ring_dir):
    kept = []
    with pytest.raises(SpriteStreamError, match=r"all 4 of the loader's batch slots are held .*\.clone\(\)"), \
            pytest.warns(UserWarning, match=r"\.clone\(\) batches you keep for long"):
        for batch in stream(dataset, ring_dir, epochs=2, slabs=4):
            kept.append(batch)
    assert len(kept) == 4
    wait_until(lambda: not loader_children(), "the loader exits")
    assert os.listdir(ring_dir) == []


def test_killing_the_loader_makes_the_stream_raise_and_leaves_no_file(dataset, ring_dir):
    s = iter(stream(dataset, ring_dir, epochs=1000))
    first = next(s)
    (pid,) = loader_children()
    os.kill(pid, signal.SIGKILL)

    with pytest.raises(SpriteStreamError, match="killed by signal 9"):
        for _ in s:
            pass
    assert os.listdir(ring_dir) == []
    assert first.images.shape == (32, 16, 16, 4), "a batch held stays readable"
    first.images.sum()


def test_killing_the_python_side_makes_the_loader_exit_and_leaves_no_file(dataset, ring_dir):
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {os.path.join(REPO, "loader", "python")!r})
        from spritestream import SpriteStream
        for batch in SpriteStream(jar={JAR!r}, ring_dir={ring_dir!r}, log=None, bootstrap={dataset!r},
                                  dataset={DATASET!r}, epochs=1000, batch=32, size=16):
            print(batch.index, flush=True)
        """)
    python = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert python.stdout.readline().strip() == b"0"
    loaders = [int(p.split("/")[2]) for p in glob.glob("/proc/[0-9]*/status")
               if open(p).read().find(f"PPid:\t{python.pid}\n") >= 0]
    assert len(loaders) == 1

    python.kill()
    python.wait()

    wait_until(lambda: not os.path.exists(f"/proc/{loaders[0]}") or open(f"/proc/{loaders[0]}/status").read()
               .find("State:\tZ") >= 0, "the loader exits after its viewer died")
    assert os.listdir(ring_dir) == []


def test_closing_the_stream_mid_run_stops_the_loader(dataset, ring_dir):
    s = stream(dataset, ring_dir, epochs=1000)
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
    assert "--shm-size=1g" in str(failure.value) and "--slabs" in str(failure.value)
    assert "--ring-dir" in str(failure.value)
    assert time.time() - started < 60
    assert os.listdir(ring_dir) == []


@pytest.mark.parametrize("options, reason", [
    (dict(dataset="no-such-dataset"), "no-such-dataset"),
    (dict(batch=0), "--batch"),
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


def test_the_ranks_of_a_world_share_the_epoch_out_without_overlap(dataset, ring_dir):
    keys = [[k for b in stream(dataset, ring_dir, rank=r, world_size=2) for k in b.keys] for r in range(2)]

    assert len(keys[0]) == len(keys[1]) == COUNT // 2
    assert not set(keys[0]) & set(keys[1])


def test_a_dataloader_with_batch_size_none_passes_the_batches_through(dataset, ring_dir):
    seen = 0
    for images, labels in DataLoader(stream(dataset, ring_dir), batch_size=None):
        assert images.shape[1:] == (16, 16, 4)
        seen += len(labels)
    assert seen == COUNT


def test_workers_are_refused_with_the_reason(dataset, ring_dir):
    with pytest.raises(SpriteStreamError, match="num_workers=0"):
        for _ in DataLoader(stream(dataset, ring_dir), batch_size=None, num_workers=1):
            pass


def test_a_saved_run_resumes_right_after_the_last_batch_the_loop_took_not_the_last_in_the_ring(
        dataset, ring_dir, tmp_path):
    state = str(tmp_path / "state.json")
    whole = [k for b in stream(dataset, ring_dir, epochs=2) for k in b.keys]
    s = stream(dataset, ring_dir, epochs=2, save_state=state)
    batches = iter(s)
    first = [k for _ in range(5) for k in next(batches).keys]
    s.close()  # the ring held more batches than these five by now

    rest = [k for b in SpriteStream(jar=JAR, ring_dir=ring_dir, log=None, bootstrap=dataset, resume=state, size=16,
                                    threads=2) for k in b.keys]

    assert len(first) == 5 * 32
    assert first + rest == whole


def test_augmented_batches_from_python_are_the_loaders_for_the_same_seed(dataset, ring_dir, tmp_path):
    spec = "flip-h:0.5,translate:2,hue:30@0.5"
    java("load", "--bootstrap", dataset, "--dataset", DATASET, "--batch", "32", "--size", "16", "--seed", "5",
         "--threads", "2", "--quiet", "--augment", spec, "--export-npy", str(tmp_path))
    images = torch.cat([b.images.clone() for b in stream(dataset, ring_dir, augment=spec)])

    assert torch.equal(images, torch.from_numpy(np.load(tmp_path / "images.npy")))
    plain = torch.cat([b.images.clone() for b in stream(dataset, ring_dir)])
    assert not torch.equal(images, plain), "the spec changed nothing"
