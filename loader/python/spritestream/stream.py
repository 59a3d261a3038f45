"""``SpriteStream``: the JVM loader's ``feed`` as a PyTorch ``IterableDataset``.

The loader decodes each batch straight into a slot of a ring in shared memory (a file under
``/dev/shm``) and says so on its standard output (``B slot rows epoch index``); this side maps the
ring once and gives each batch's pixels as a ``torch.uint8`` tensor over the slot: the bytes the
decoders wrote, never copied. A slot goes back to the loader (``F slot`` on its standard input)
only when the last tensor or array over it is gone, so a batch kept is never overwritten. A write
into a batch's tensor (an in-place augmentation) lands in the slot that batch holds: the loader
never reads a slot back (its decoded-sample cache copies at decode time) and writes every byte of
a batch before announcing it, so such writes reach neither the loader nor a later batch. README,
"From PyTorch", documents the ring and the protocol.
"""

import atexit
import collections
import gc
import glob
import json
import mmap
import os
import shutil
import struct
import subprocess
import sys
import threading
import time
import warnings
import weakref

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

MAGIC = b"SPRRING1"
VERSION = 1
# magic, version, header bytes, slots, stride, B, H, W, C, pixels at, labels at, partitions at,
# offsets at, key starts at, key bytes at, key bytes per slot, (4 spare), the loader's pid
HEADER = struct.Struct("<8s15i4xq")

_JAR_NAME = "spritestream-loader.jar"
_live_feeds = weakref.WeakSet()


class SpriteStreamError(RuntimeError):
    """The loader could not start or stopped early; the message is its one-line reason."""


class Batch(tuple):
    """``(images, labels)``: ``torch.uint8 [rows, H, W, C]`` over the ring and ``torch.int64 [rows]``
    (positions in ``classes``; -1 for unlabelled records), with what each row is: ``keys``,
    ``partitions``, ``offsets`` (the records' Kafka coordinates), ``epoch``, ``index`` (the batch's
    number in the run) and ``classes``."""

    def __new__(cls, images, labels, **meta):
        batch = super().__new__(cls, (images, labels))
        batch.__dict__.update(meta)
        return batch

    @property
    def images(self):
        return self[0]

    @property
    def labels(self):
        return self[1]

    @property
    def keys(self):
        raw, starts = self._keys
        return [raw[starts[i]:starts[i + 1]].decode("utf-8", "replace") for i in range(len(starts) - 1)]


def find_jar(jar=None):
    """The loader's jar: ``jar``, else ``$SPRITESTREAM_JAR``, else the build's own (``loader/target``)."""
    candidates = [jar, os.environ.get("SPRITESTREAM_JAR"),
                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "target", _JAR_NAME)]
    for candidate in candidates:
        if candidate:
            if os.path.isfile(candidate):
                return os.path.abspath(candidate)
            if candidate in (jar, os.environ.get("SPRITESTREAM_JAR")):
                raise SpriteStreamError(f"no loader jar at {candidate}")
    raise SpriteStreamError(f"the loader's jar ({_JAR_NAME}) was not found: build it (mvn -DskipTests package), "
                            "or pass jar=PATH, or set SPRITESTREAM_JAR")


def find_java(java=None):
    """``java``, else ``$SPRITESTREAM_JAVA``, else ``$JAVA_HOME/bin/java``, else ``java`` on the PATH."""
    for candidate in (java, os.environ.get("SPRITESTREAM_JAVA"),
                      os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else None):
        if candidate:
            return candidate
    found = shutil.which("java")
    if found is None:
        raise SpriteStreamError("no java found (Java 17 or newer): pass java=PATH, or set JAVA_HOME")
    return found


def options_to_args(options):
    """``batch=64, world_size=2, no_shuffle=True`` -> ``--batch 64 --world-size 2 --no-shuffle``."""
    args = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        else:
            args += [flag, str(value)]
    return args


class SpriteStream(IterableDataset):
    """Batches of a dataset on Kafka, decoded by the JVM loader, as PyTorch tensors without a copy.

    Takes the options of the loader's ``load`` command, by the same names (``dataset``, ``topic``,
    ``bootstrap``, ``batch``, ``size``, ``channels``, ``fit``, ``epochs``, ``seed``, ``rank``,
    ``world_size``, ``threads``, ``cache``, ``no_cache``, ...: ``_`` for ``-``; ``True`` for a flag).
    Each iteration starts the loader (``java -jar spritestream-loader.jar feed ...``) and runs all
    of its epochs; it ends with the run, on ``close()``, at interpreter exit, or when this process
    dies (the loader sees its input end and stops).

    Use it directly, or as ``DataLoader(stream, batch_size=None)`` (``num_workers=0``: the loader
    decodes in threads of its own). Tensors over the ring keep their slot from the loader until
    they are gone: ``.clone()`` batches kept for long, or the loader waits for slots.

    ``jar``/``java``: where the loader and Java are (found by default, see ``find_jar``);
    ``ring_dir``: the tmpfs for the ring (default ``/dev/shm``); ``jvm_options``: e.g.
    ``["-Xmx2g"]``; ``log``: where the loader's messages go (default ``sys.stderr``; None: nowhere).
    """

    def __init__(self, *, jar=None, java=None, ring_dir=None, jvm_options=(), log=sys.stderr, **options):
        super().__init__()
        self._jar = jar
        self._java = java
        self._ring_dir = ring_dir
        self._jvm_options = list(jvm_options)
        self._log = log
        self._options = options
        self._feeds = weakref.WeakSet()
        self.report = None
        """The last finished run's report: the loader's ``--report-json`` fields, and ``received_seconds``
        (from the loader's start to the last batch this side received), or None."""

    def command(self):
        """The command line an iteration runs."""
        args = options_to_args(self._options)
        if self._ring_dir is not None:
            args += ["--ring-dir", str(self._ring_dir)]
        return [find_java(self._java), *self._jvm_options, "-jar", find_jar(self._jar), "feed", *args]

    def __iter__(self):
        if get_worker_info() is not None:
            raise SpriteStreamError("SpriteStream decodes in the loader's own threads: use it with "
                                    "DataLoader(stream, batch_size=None, num_workers=0)")
        feed = _Feed(self.command(), self._log, self._ring_dir or "/dev/shm")
        self._feeds.add(feed)
        try:
            for batch in feed.batches():
                yield batch
            self.report = feed.report
        finally:
            feed.stop()

    def close(self):
        """Stops the loader of every iteration still running; their batches stay valid."""
        for feed in list(self._feeds):
            feed.stop()


class _Ring:
    """The loader's ring, mapped shared; the file is removed as soon as it is mapped."""

    def __init__(self, path):
        fd = os.open(path, os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            # Shared and writable: tensors that are writable (as PyTorch's are) without a copy-on-write
            # fault per page, and without faulting the pages in again for every batch.
            self.mm = mmap.mmap(fd, size, access=mmap.ACCESS_WRITE)
        finally:
            os.close(fd)
            os.unlink(path)  # the mapping keeps the memory; no file is left behind whatever happens next
        (magic, version, header_bytes, self.slots, self.stride, self.batch, self.height, self.width, self.channels,
         self.pixels_at, self.labels_at, self.partitions_at, self.offsets_at, self.key_starts_at, self.key_bytes_at,
         self.key_bytes, self.pid) = HEADER.unpack_from(self.mm, 0)
        if magic != MAGIC or version != VERSION:
            raise SpriteStreamError(f"{path} is not a spritestream ring of version {VERSION}")
        self.header_bytes = header_bytes
        self.bytes = np.frombuffer(self.mm, np.uint8)

    def slot_at(self, slot):
        return self.header_bytes + slot * self.stride


class _Feed:
    """One run of the loader's ``feed``: the process, its pipes, the ring, the slots held here."""

    def __init__(self, command, log, ring_dir):
        self.ring = None
        self.opened = self.last_batch = None
        self.classes = []
        self.report = None
        self.held = 0
        self.warned = False
        self.ring_dir = ring_dir
        self.stopped = False
        self.log = log
        self.errors = collections.deque(maxlen=20)
        self.first_line = None
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stderr_thread = threading.Thread(target=self._forward_stderr, name="spritestream-log", daemon=True)
        self.stderr_thread.start()
        self.lines = self.proc.stdout
        _live_feeds.add(self)

    def _forward_stderr(self):
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if self.first_line is None:
                self.first_line = line
            if line.startswith("error: "):
                self.errors.append(line[len("error: "):])
            if self.log is not None:
                try:
                    print(line, file=self.log, flush=True)
                except (OSError, ValueError):
                    pass

    def batches(self):
        while True:
            if self.ring is not None and self.held >= self.ring.slots:
                self._check_a_slot_is_free()
            line = self.lines.readline()
            if not line:
                self._failed()
            kind, _, rest = line.decode("utf-8").rstrip("\n").partition(" ")
            if kind == "B":
                slot, rows, epoch, index = (int(v) for v in rest.split(" "))
                batch = self._batch(slot, rows, epoch, index)
                self.last_batch = time.perf_counter()
                self._say(b"T %d\n" % index)  # the loop takes it now (the loader's saved state follows this)
                yield batch
            elif kind == "R":
                self.opened = time.perf_counter()
                _slots, _stride, path = rest.split(" ", 2)
                self.ring = _Ring(path)
            elif kind == "C":
                self.classes = json.loads(rest)
            elif kind == "E":
                self.report = json.loads(rest)
                self.report["received_seconds"] = self.last_batch - self.opened if self.report["batches"] else 0.0
                if self.proc.wait() != 0:
                    # Every batch arrived, but the loader's close went wrong: say so, do not lose it.
                    self.stderr_thread.join(10)
                    reason = self.errors[-1] if self.errors else f"exit code {self.proc.returncode}"
                    warnings.warn(f"spritestream: the loader failed after the run's last batch: {reason}",
                                  stacklevel=3)
                return
            else:
                raise SpriteStreamError(f"the loader said '{line.decode('utf-8', 'replace').strip()}' "
                                        "(expected R, C, B or E): is the jar the same version as this package?")

    def _batch(self, slot, rows, epoch, index):
        ring = self.ring
        at = ring.slot_at(slot)
        h, w, c = ring.height, ring.width, ring.channels
        pixels = ring.bytes[at + ring.pixels_at: at + ring.pixels_at + rows * h * w * c].reshape(rows, h, w, c)
        images = torch.from_numpy(pixels)
        # The tensor's storage holds `pixels` and nothing else does: when the last tensor (or array)
        # over these bytes is gone, so is `pixels`, and the slot goes back.
        weakref.finalize(pixels, _release, slot, self).atexit = False
        del pixels
        self.held += 1
        # A loop holds two batches at this point (the one its variables still name, and this one);
        # more than that, and more than half the ring, is batches kept.
        if not self.warned and self.held > max(3, ring.slots // 2):
            self.warned = True
            warnings.warn(f"spritestream: {self.held} of the loader's {ring.slots} batch slots are held by tensors "
                          "still alive, and the loader waits for free ones: .clone() batches you keep for long "
                          "(or ask for more slots with slabs=N)", stacklevel=4)
        labels = torch.from_numpy(ring.bytes[at + ring.labels_at: at + ring.labels_at + 8 * rows].view(np.int64).copy())
        partitions = ring.bytes[at + ring.partitions_at: at + ring.partitions_at + 4 * rows].view(np.int32).copy()
        offsets = ring.bytes[at + ring.offsets_at: at + ring.offsets_at + 8 * rows].view(np.int64).copy()
        starts = ring.bytes[at + ring.key_starts_at: at + ring.key_starts_at + 4 * (rows + 1)].view(np.int32).copy()
        keys = ring.bytes[at + ring.key_bytes_at: at + ring.key_bytes_at + int(starts[-1])].tobytes()
        return Batch(images, labels, partitions=partitions, offsets=offsets, _keys=(keys, starts.tolist()),
                     epoch=epoch, index=index, classes=self.classes, slot=slot)

    def _say(self, line):
        try:
            os.write(self.proc.stdin.fileno(), line)
        except (OSError, ValueError):
            pass  # the loader is gone: the next read says why

    def _check_a_slot_is_free(self):
        gc.collect()  # tensors in reference cycles hold slots until a collection
        if self.held >= self.ring.slots:
            raise SpriteStreamError(f"all {self.ring.slots} of the loader's batch slots are held by tensors still "
                                    "alive, so it cannot deliver another batch: .clone() the batches you keep "
                                    "(and drop the originals), or ask for more slots with slabs=N")

    def _failed(self):
        code = self.proc.wait()
        self.stderr_thread.join(10)
        self._close_pipes()
        self._sweep()
        if self.stopped:
            raise SpriteStreamError("the stream was closed")
        if self.errors:
            raise SpriteStreamError(self.errors[-1])
        if code == 2 and self.first_line:
            raise SpriteStreamError(self.first_line)  # a bad option: its reason, then the usage
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        raise SpriteStreamError(f"the loader {how} before the end of the run (its messages are above)")

    def _sweep(self):
        # A loader killed before this side mapped its ring leaves the file: remove it.
        for path in glob.glob(os.path.join(self.ring_dir, f"spritestream-{self.proc.pid}-*.ring")):
            try:
                os.unlink(path)
            except OSError:
                pass

    def stop(self):
        """Ends the run: the loader sees its input end, stops and exits. Batches held stay valid."""
        if self.stopped:
            return
        self.stopped = True
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr_thread.join(10)
        self._close_pipes()
        self._sweep()

    def _close_pipes(self):
        for pipe in (self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass


def _release(slot, feed):
    """A slot's last view is gone: give it back (any thread)."""
    feed.held -= 1
    if feed.stopped:
        return  # the run is over: nobody waits for the slot
    try:
        # One small write into a pipe, under the file's back: atomic, and no buffer's lock to re-enter
        # (a finalizer may run in the middle of anything).
        os.write(feed.proc.stdin.fileno(), b"F %d\n" % slot)
    except (OSError, ValueError):
        pass  # the loader is gone


@atexit.register
def _stop_all():
    for feed in list(_live_feeds):
        feed.stop()
