"""``SpriteStream``: the JVM loader's ``feed`` as a PyTorch ``IterableDataset``.

The loader decodes each batch straight into a slot of a ring in shared memory (a file under
``/dev/shm``) and says so on its standard output (``B slot rows epoch index``); this side maps the
ring once and gives each batch's pixels as a ``torch.uint8`` tensor over the slot: the bytes the
decoders wrote, never copied. A slot goes back to the loader (``F slot`` on its standard input)
only when the last tensor or array over it is gone, so a batch kept is never overwritten. A write
into a batch's tensor (an in-place augmentation) lands in the slot that batch holds: the loader
never reads a slot back (its decoded-sample cache copies at decode time) and writes every byte of
a batch before announcing it, so such writes reach neither the loader nor a later batch.

One loader process serves a stream for its whole life, as a ``DataLoader``'s persistent workers
do: each iteration is the next epoch of one run (``N epoch`` on the loader's output ends it), and
the loader decodes ahead into the following epoch while the loop trains. README, "From PyTorch",
documents the ring and the protocol.
"""

from __future__ import annotations

import atexit
import collections
import gc
import glob
import json
import mmap
import os
import secrets
import shutil
import struct
import subprocess
import sys
import threading
import time
import warnings
import weakref
from types import FrameType
from typing import IO, Any, Deque, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt
import torch
from torch.utils.data import IterableDataset, get_worker_info

MAGIC = b"SPRRING1"
VERSION = 1
# magic, version, header bytes, slots, stride, B, H, W, C, pixels at, labels at, partitions at,
# offsets at, key starts at, key bytes at, key bytes per slot, (4 spare), the loader's pid
HEADER = struct.Struct("<8s15i4xq")

#: The most epochs the loader runs: what a stream with ``epochs=None`` asks for.
MAX_EPOCHS = 1_000_000

_JAR_NAME = "spritestream-loader.jar"
_live_feeds: "weakref.WeakSet[_Feed]" = weakref.WeakSet()

OptionValue = Union[str, int, float, bool, None, "os.PathLike[str]"]


class SpriteStreamError(RuntimeError):
    """The loader could not start or stopped early; the message is its one-line reason."""


class Batch(Tuple[torch.Tensor, torch.Tensor]):
    """``(images, labels)``: ``torch.uint8 [rows, H, W, C]`` over the ring and ``torch.int64 [rows]``
    (positions in ``classes``; -1 for unlabelled records), with what each row is: ``keys``,
    ``partitions``, ``offsets`` (the records' Kafka coordinates), ``epoch``, ``index`` (the batch's
    number in the run) and ``classes``.

    A tuple of exactly those two tensors, so ``for images, labels in stream`` and
    ``DataLoader(stream, batch_size=None)`` see a pair; the rest are read-only attributes. Only
    ``images`` is a view of the ring (it holds ``slot``, the ring's slot, until it is gone); the
    labels and the rest were copied out of it. ``copy.copy`` gives another batch over the same
    tensors; ``pickle`` (``torch.save``) a batch whose tensors are copies.
    """

    # A subclass of tuple cannot have slots of its own (tuples vary in size), so these live in the
    # instance's __dict__: set once in __new__, read through the properties below.
    _partitions: npt.NDArray[np.int32]
    _offsets: npt.NDArray[np.int64]
    _key_bytes: bytes
    _key_starts: List[int]
    _epoch: int
    _index: int
    _classes: List[str]
    _slot: int

    def __new__(cls, images: torch.Tensor, labels: torch.Tensor, *, partitions: npt.NDArray[np.int32],
                offsets: npt.NDArray[np.int64], key_bytes: bytes, key_starts: List[int], epoch: int, index: int,
                classes: List[str], slot: int) -> "Batch":
        """``key_bytes[key_starts[i]:key_starts[i + 1]]`` is row i's key, UTF-8."""
        batch = tuple.__new__(cls, (images, labels))
        batch._partitions = partitions
        batch._offsets = offsets
        batch._key_bytes = key_bytes
        batch._key_starts = key_starts
        batch._epoch = epoch
        batch._index = index
        batch._classes = classes
        batch._slot = slot
        return batch

    def __getnewargs_ex__(self) -> Tuple[Tuple[torch.Tensor, torch.Tensor], Dict[str, Any]]:
        return (self[0], self[1]), dict(partitions=self._partitions, offsets=self._offsets,
                                        key_bytes=self._key_bytes, key_starts=self._key_starts, epoch=self._epoch,
                                        index=self._index, classes=self._classes, slot=self._slot)

    def __repr__(self) -> str:
        return (f"Batch(epoch={self._epoch}, index={self._index}, rows={len(self[1])}, "
                f"images={self[0].dtype}{list(self[0].shape)}, slot={self._slot})")

    @property
    def images(self) -> torch.Tensor:
        return self[0]

    @property
    def labels(self) -> torch.Tensor:
        return self[1]

    @property
    def keys(self) -> List[str]:
        raw, starts = self._key_bytes, self._key_starts
        return [raw[starts[i]:starts[i + 1]].decode("utf-8", "replace") for i in range(len(starts) - 1)]

    @property
    def partitions(self) -> npt.NDArray[np.int32]:
        return self._partitions

    @property
    def offsets(self) -> npt.NDArray[np.int64]:
        return self._offsets

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def index(self) -> int:  # type: ignore[override]  # the batch's number, hiding tuple.index on purpose (an old name)
        return self._index

    @property
    def classes(self) -> List[str]:
        return self._classes

    @property
    def slot(self) -> int:
        """The ring's slot that ``images`` views."""
        return self._slot


def find_jar(jar: Optional[str] = None) -> str:
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


def find_java(java: Optional[str] = None) -> str:
    """``java``, else ``$SPRITESTREAM_JAVA``, else ``$JAVA_HOME/bin/java``, else ``java`` on the PATH."""
    java_home = os.environ.get("JAVA_HOME")
    for candidate in (java, os.environ.get("SPRITESTREAM_JAVA"),
                      os.path.join(java_home, "bin", "java") if java_home else None):
        if candidate:
            return candidate
    found = shutil.which("java")
    if found is None:
        raise SpriteStreamError("no java found (Java 17 or newer): pass java=PATH, or set JAVA_HOME")
    return found


def tuned_jvm_options(jar: str) -> List[str]:
    """The JVM options ``feed`` starts with, as the launcher next to the jar (``spritestream``) gives
    them to the loading commands (change both together; README, "Performance"): the class-data
    sharing archive the build dumped next to the jar, when there is one (an archive another JVM made
    is ignored, silently), the client compiler only, and a young generation of at least 256 MB."""
    archive = os.path.join(os.path.dirname(jar), "spritestream-loader.jsa")
    cds = [f"-XX:SharedArchiveFile={archive}", "-Xshare:auto"] if os.path.isfile(archive) else []
    return [*cds, "-XX:TieredStopAtLevel=1", "-XX:NewSize=256m"]


def options_to_args(options: Mapping[str, OptionValue]) -> List[str]:
    """``batch=64, world_size=2, no_shuffle=True`` -> ``--batch 64 --world-size 2 --no-shuffle``."""
    args: List[str] = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        else:
            args += [flag, str(value)]
    return args


def _whole_number(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name}={value!r} (expected a whole number from {low} to {high:,})")
    return value


class SpriteStream(IterableDataset[Batch]):
    """Batches of a dataset on Kafka, decoded by the JVM loader, as PyTorch tensors without a copy.

    Takes the options of the loader's ``load`` command, by the same names (``dataset``, ``topic``,
    ``bootstrap``, ``batch``, ``size``, ``channels``, ``fit``, ``seed``, ``rank``, ``world_size``,
    ``threads``, ``cache``, ``no_cache``, ...: ``_`` for ``-``; ``True`` for a flag). Without
    ``bootstrap``, the loader reads ``$SPRITESTREAM_BOOTSTRAP``, else ``127.0.0.1:9092``.

    **Each iteration is one epoch**, the next of one run: the first ``for`` over the stream gives
    epoch 0, the next epoch 1, and so on, in the order a single ``load --epochs E --seed S`` gives.
    One loader process (``java -jar spritestream-loader.jar feed ...``), started by the first
    iteration, serves them all, as a DataLoader's ``persistent_workers=True`` do, and decodes ahead
    into the next epoch while the loop trains. It stops on ``close()``, when the stream is garbage
    collected, at interpreter exit, or when this process dies (it sees its input end).

    ``epochs=None`` (the default): as many epochs as the loop asks for. ``epochs=N``: N in all; an
    iteration after the last yields nothing, with a warning. ``set_epoch(e)``: the next iteration
    is epoch ``e`` (free when ``e`` is the next one anyway; otherwise the loader restarts at the
    beginning of epoch ``e``). Leaving an iteration early (``break``) and iterating again starts the
    next epoch: the rest of the one left is released unread (and, with ``save_state``, counted as
    taken). Without ``seed``, the stream draws one for its whole life.

    Use it directly, or as ``DataLoader(stream, batch_size=None)`` (``num_workers=0``: the loader
    decodes in threads of its own); a DataLoader that would batch the batches again (its default
    ``batch_size=1``) is refused when it starts iterating. Tensors over the ring keep their slot from the loader until
    they are gone: ``.clone()`` batches kept for long, or the loader waits for slots.

    ``jar``/``java``: where the loader and Java are (found by default, see ``find_jar``);
    ``ring_dir``: the tmpfs for the ring (default ``/dev/shm``); ``jvm_options``: e.g.
    ``["-Xmx2g"]``, after the start-up options the loader is always given (``tuned_jvm_options``),
    so they win; ``log``: where the loader's messages go (default ``sys.stderr``; None: nowhere).
    """

    def __init__(self, *, jar: Optional[str] = None, java: Optional[str] = None,
                 ring_dir: Optional[str] = None, jvm_options: Sequence[str] = (),
                 log: Optional[IO[str]] = sys.stderr, epochs: Optional[int] = None,
                 **options: OptionValue) -> None:
        super().__init__()
        self._jar = jar
        self._java = java
        self._ring_dir = ring_dir
        self._jvm_options = list(jvm_options)
        self._log = log
        start = options.pop("start_epoch", None)
        self._options: Dict[str, OptionValue] = options
        self._epochs = None if epochs is None else _whole_number("epochs", epochs, 1, MAX_EPOCHS)
        self._resuming = options.get("resume") is not None
        self._total = self._epochs if self._epochs is not None else MAX_EPOCHS
        self._next_epoch = 0
        # The first loader of a resumed stream starts where its state stood (the middle of an epoch,
        # perhaps) when that epoch is the one asked for; any other start is at an epoch's beginning.
        self._state_place: Optional[int] = None
        if self._resuming:
            state = _read_state(str(options["resume"]), options.get("rank"))
            self._next_epoch = self._state_place = int(state.get("epoch", 0)) if state is not None else 0
            if self._epochs is None and state is not None:
                self._total = int(state.get("epochs", MAX_EPOCHS))  # the resumed run's own epochs
        elif options.get("seed") is None and not options.get("no_shuffle") and not options.get("follow"):
            # One order for the stream's life, even when the loader restarts (set_epoch).
            self._options["seed"] = secrets.randbits(63)
        if start is not None:
            self._next_epoch = _whole_number("start_epoch", start, 0, max(0, self._total - 1))
            self._state_place = None
        self._asked = False  # set_epoch asked for the next epoch (a run that is over starts again there)
        self._current = _Current()
        # The loader stops when the stream is gone; nothing that outlives the stream's use refers to it.
        self._finalizer = weakref.finalize(self, self._current.stop)
        self._serial = 0
        self.report: Optional[Dict[str, Any]] = None
        """The last iteration that ran to its end (one epoch): ``epoch``, ``batches``, ``samples``,
        ``seconds`` (from the iteration's first request to its last batch), ``samples_per_s``, and
        ``received_seconds`` (from the loader's start, the ring's announcement, to that last batch:
        over iterations 0..k of one loader, the time the loop received them in); or None."""
        self.run_report: Optional[Dict[str, Any]] = None
        """The loader's own report once its run is over (all of ``epochs=N`` given, or
        ``max_batches`` reached): ``load``'s ``--report-json`` fields over the whole run, and
        ``received_seconds``; None while it runs."""

    def command(self, start_epoch: Optional[int] = None) -> List[str]:
        """The loader's command line (starting at ``start_epoch``, if given)."""
        args = options_to_args(self._options)
        args.append("--keyword-messages")  # errors name this side's keyword arguments (slabs=), not options
        if self._epochs is not None or not self._resuming:
            args += ["--epochs", str(self._total)]
        if start_epoch is not None:
            args += ["--start-epoch", str(start_epoch)]
        if self._ring_dir is not None:
            args += ["--ring-dir", str(self._ring_dir)]
        jar = find_jar(self._jar)
        return [find_java(self._java), *tuned_jvm_options(jar), *self._jvm_options, "-jar", jar, "feed", *args]

    def set_epoch(self, epoch: int) -> None:
        """The next iteration gives ``epoch`` (0-based), as a sampler's ``set_epoch`` does. Free when
        it is the next epoch anyway; any other restarts the loader at the beginning of ``epoch`` (a
        new loader process: its start-up, and the ring's batches decoded ahead are dropped)."""
        self._next_epoch = _whole_number("epoch", epoch, 0, self._total - 1)
        self._asked = True

    def __iter__(self) -> Iterator[Batch]:
        if get_worker_info() is not None:  # type: ignore[no-untyped-call]
            raise SpriteStreamError("SpriteStream decodes in the loader's own threads: use it with "
                                    "DataLoader(stream, batch_size=None, num_workers=0)")
        if _batched_again_by_a_dataloader():
            raise SpriteStreamError("SpriteStream yields whole batches: use it with DataLoader(stream, "
                                    "batch_size=None) (a DataLoader's default batch_size=1 would batch each batch "
                                    "again, adding a dimension: [1, B, H, W, C])")
        self._serial += 1
        return self._epoch(self._serial)

    def _epoch(self, serial: int) -> Iterator[Batch]:
        """One iteration: the next epoch's batches, from the stream's one loader."""
        epoch, asked = self._next_epoch, self._asked
        self._asked = False
        running = self._current.feed
        if epoch >= self._total or (running is not None and running.finished and not asked):
            warnings.warn(f"spritestream: this stream's run is over (all {self._total} of its epochs were given, or "
                          "max_batches was reached): this iteration yields nothing (epochs=None gives as many epochs "
                          "as the loop asks for; set_epoch(e) starts again at epoch e)", stacklevel=2)
            return
        feed = self._feed_at(epoch)
        self._next_epoch = epoch + 1
        feed.open = True
        began = time.perf_counter()
        batches = samples = 0
        try:
            while True:
                batch = feed.next_batch()
                if batch is None:
                    break
                batches += 1
                samples += len(batch[1])
                yield batch
                if serial != self._serial:
                    raise SpriteStreamError("a later iteration of this SpriteStream has begun (the next epoch): "
                                            "this earlier one cannot go on")
        finally:
            if feed.report is not None:
                self.run_report = feed.report
        last = feed.last_batch if batches and feed.last_batch is not None else began
        seconds = last - began
        self.report = {"epoch": epoch, "batches": batches, "samples": samples, "seconds": seconds,
                       "samples_per_s": samples / seconds if seconds > 0 else 0.0,
                       "received_seconds": last - (feed.opened if feed.opened is not None else began)}

    def _feed_at(self, epoch: int) -> "_Feed":
        """The loader, with ``epoch`` the next to come from it: the running one (the rest of an epoch
        left early released first), or a new one started there."""
        feed = self._current.feed
        if feed is not None and not feed.stopped and not feed.finished:
            if feed.open:
                feed.skip_epoch()
            if feed.epoch == epoch and not feed.finished:
                return feed
        self._current.stop()
        self.run_report = None
        if self._state_place is not None and epoch == self._state_place:
            start = None  # where the resumed state stood
        elif epoch > 0 or self._resuming:
            start = epoch
        else:
            start = None
        self._state_place = None
        feed = _Feed(self.command(start), self._log, self._ring_dir or "/dev/shm", epoch, self._total)
        self._current.feed = feed
        return feed

    def close(self) -> None:
        """Stops the loader; batches held stay valid. Iterating again starts a new loader at the next epoch."""
        self._current.stop()


def _batched_again_by_a_dataloader() -> bool:
    """Whether the iteration that is starting was asked for by a DataLoader that collates what it
    yields into batches (``batch_size`` not None). A DataLoader over an IterableDataset asks for the
    dataset's iterator in its fetcher's constructor, whose ``auto_collation`` argument says so: the
    frame that asked (or one near it) is that constructor's. Only that frame's locals are read (a
    snapshot of them lives as long as the frame): the locals of any other caller, which may hold
    batches and streams, are never touched."""
    fetch = sys.modules.get("torch.utils.data._utils.fetch")
    fetcher_type = getattr(fetch, "_IterableDatasetFetcher", None)
    constructor = getattr(getattr(fetcher_type, "__init__", None), "__code__", None)
    if constructor is None:
        return False
    # This function's caller is __iter__; its caller asked for the iterator.
    frame: Optional[FrameType] = sys._getframe(2)
    for _ in range(4):
        if frame is None:
            break
        if frame.f_code is constructor:
            return bool(frame.f_locals.get("auto_collation", False))
        frame = frame.f_back
    return False


def _read_state(path: str, rank: OptionValue) -> Optional[Dict[str, Any]]:
    """A state file (its ``{rank}`` replaced, as the loader does), or None if unreadable (the loader says why)."""
    try:
        with open(path.replace("{rank}", str(rank if rank is not None else 0))) as f:
            state = json.load(f)
        return state if isinstance(state, dict) else None
    except (OSError, ValueError):
        return None


class _Current:
    """The stream's loader (it changes when ``set_epoch`` restarts it); refers to no stream."""

    def __init__(self) -> None:
        self.feed: Optional[_Feed] = None

    def stop(self) -> None:
        if self.feed is not None:
            self.feed.stop()


class _Ring:
    """The loader's ring, mapped shared; the file is removed as soon as it is mapped."""

    def __init__(self, path: str) -> None:
        fd = os.open(path, os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            # Shared and writable: tensors that are writable (as PyTorch's are) without a copy-on-write
            # fault per page, and without faulting the pages in again for every batch.
            self.mm = mmap.mmap(fd, size, access=mmap.ACCESS_WRITE)
        finally:
            os.close(fd)
            os.unlink(path)  # the mapping keeps the memory; no file is left behind whatever happens next
        fields: Tuple[Any, ...] = HEADER.unpack_from(self.mm, 0)
        magic, version = fields[0], fields[1]
        if magic != MAGIC or version != VERSION:
            raise SpriteStreamError(f"{path} is not a spritestream ring of version {VERSION}")
        (self.header_bytes, self.slots, self.stride, self.batch, self.height, self.width, self.channels,
         self.pixels_at, self.labels_at, self.partitions_at, self.offsets_at, self.key_starts_at, self.key_bytes_at,
         self.key_bytes, self.pid) = (int(v) for v in fields[2:])
        self.bytes = np.frombuffer(self.mm, np.uint8)

    def slot_at(self, slot: int) -> int:
        return self.header_bytes + slot * self.stride


class _Feed:
    """One loader process: its pipes, the ring, the slots held here, and where its run stands.

    ``epoch`` is the epoch whose batches come next from it (of ``epochs`` in all); ``open`` whether
    an iteration has begun that epoch and not read its end (``N``); ``finished`` whether the run is
    over (``E``)."""

    def __init__(self, command: List[str], log: Optional[IO[str]], ring_dir: str, epoch: int, epochs: int) -> None:
        self.ring: Optional[_Ring] = None
        self.opened: Optional[float] = None
        self.last_batch: Optional[float] = None
        self.classes: List[str] = []
        self.report: Optional[Dict[str, Any]] = None
        self.slots = _HeldSlots()
        self.warned = False
        self.ring_dir = ring_dir
        self.stopped = False
        self.epoch = epoch
        self.epochs = epochs
        self.open = False
        self.finished = False
        self.log = log
        self.errors: Deque[str] = collections.deque(maxlen=20)
        self.first_line: Optional[str] = None
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.proc.stdin is not None and self.proc.stdout is not None and self.proc.stderr is not None
        self.stdin = self.proc.stdin
        self.lines = self.proc.stdout
        self.stderr = self.proc.stderr
        self.stderr_thread = threading.Thread(target=self._forward_stderr, name="spritestream-log", daemon=True)
        self.stderr_thread.start()
        _live_feeds.add(self)

    def _forward_stderr(self) -> None:
        for raw in iter(self.stderr.readline, b""):
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

    def next_batch(self) -> Optional[Batch]:
        """The next batch of the open epoch, taken by the loop (``T``); None at the epoch's end or the run's."""
        event = self._next_event()
        if event is None:
            return None
        slot, rows, epoch, index = event
        batch = self._batch(slot, rows, epoch, index)
        self._say(b"T %d\n" % index)  # the loop takes it now (the loader's saved state follows this)
        return batch

    def skip_epoch(self) -> None:
        """Releases the rest of the open epoch unread: each batch taken (``T``: a saved state counts it as
        given) and its slot given back at once (``F``), until the epoch's end."""
        while True:
            event = self._next_event()
            if event is None:
                return
            slot, _rows, _epoch, index = event
            self._say(b"T %d\nF %d\n" % (index, slot))

    def _next_event(self) -> Optional[Tuple[int, int, int, int]]:
        """The next batch announced (slot, rows, epoch, index); None at the open epoch's end or the run's."""
        while True:
            if self.finished:
                self.open = False
                return None
            if self.ring is not None and self.slots.held() >= self.ring.slots:
                self._check_a_slot_is_free()
            line = self.lines.readline()
            if not line:
                self._failed()
            kind, _, rest = line.decode("utf-8").rstrip("\n").partition(" ")
            if kind == "B":
                slot, rows, epoch, index = (int(v) for v in rest.split(" "))
                self.last_batch = time.perf_counter()
                return slot, rows, epoch, index
            elif kind == "N":
                self.epoch = int(rest) + 1
                self.open = False
                if self.epoch >= self.epochs:
                    self._read_the_end()  # the run's last epoch: its report follows at once
                return None
            elif kind == "R":
                self.opened = time.perf_counter()
                _slots, _stride, path = rest.split(" ", 2)
                self.ring = _Ring(path)
            elif kind == "C":
                self.classes = json.loads(rest)
            elif kind == "E":
                self._ended(rest)
            else:
                self.stop()
                raise SpriteStreamError(f"the loader said '{line.decode('utf-8', 'replace').strip()}' "
                                        "(expected R, C, B, N or E): is the jar the same version as this package?")

    def _read_the_end(self) -> None:
        while not self.finished:
            line = self.lines.readline()
            if not line:
                self._failed()
            kind, _, rest = line.decode("utf-8").rstrip("\n").partition(" ")
            if kind == "E":
                self._ended(rest)

    def _ended(self, line: str) -> None:
        report: Dict[str, Any] = json.loads(line)
        opened = self.opened or 0.0
        report["received_seconds"] = (self.last_batch or opened) - opened if report["batches"] else 0.0
        self.report = report
        self.finished = True
        if self.proc.wait() != 0:
            # Every batch arrived, but the loader's close went wrong: say so, do not lose it.
            self.stderr_thread.join(10)
            reason = self.errors[-1] if self.errors else f"exit code {self.proc.returncode}"
            warnings.warn(f"spritestream: the loader failed after the run's last batch: {reason}", stacklevel=4)
        self.stop()

    def _batch(self, slot: int, rows: int, epoch: int, index: int) -> Batch:
        ring = self.ring
        assert ring is not None, "a batch before the ring"
        at = ring.slot_at(slot)
        h, w, c = ring.height, ring.width, ring.channels
        pixels = ring.bytes[at + ring.pixels_at: at + ring.pixels_at + rows * h * w * c].reshape(rows, h, w, c)
        images = torch.from_numpy(pixels)
        # The tensor's storage holds `pixels` and nothing else does: when the last tensor (or array)
        # over these bytes is gone, so is `pixels`, and the slot goes back.
        self.slots.take()
        weakref.finalize(pixels, _release, slot, self).atexit = False
        del pixels
        # A loop holds two batches at this point (the one its variables still name, and this one);
        # more than that, and more than half the ring, is batches kept.
        held = self.slots.held()
        if not self.warned and held > max(3, ring.slots // 2):
            self.warned = True
            warnings.warn(f"spritestream: {held} of the loader's {ring.slots} batch slots are held by tensors "
                          "still alive, and the loader waits for free ones: .clone() batches you keep for long "
                          "(or ask for more slots with slabs=N)", stacklevel=4)
        labels = torch.from_numpy(ring.bytes[at + ring.labels_at: at + ring.labels_at + 8 * rows].view(np.int64).copy())
        partitions = ring.bytes[at + ring.partitions_at: at + ring.partitions_at + 4 * rows].view(np.int32).copy()
        offsets = ring.bytes[at + ring.offsets_at: at + ring.offsets_at + 8 * rows].view(np.int64).copy()
        starts = ring.bytes[at + ring.key_starts_at: at + ring.key_starts_at + 4 * (rows + 1)].view(np.int32).copy()
        keys = ring.bytes[at + ring.key_bytes_at: at + ring.key_bytes_at + int(starts[-1])].tobytes()
        return Batch(images, labels, partitions=partitions, offsets=offsets, key_bytes=keys, key_starts=starts.tolist(),
                     epoch=epoch, index=index, classes=self.classes, slot=slot)

    def _say(self, line: bytes) -> None:
        try:
            os.write(self.stdin.fileno(), line)
        except (OSError, ValueError):
            pass  # the loader is gone: the next read says why

    def _check_a_slot_is_free(self) -> None:
        gc.collect()  # tensors in reference cycles hold slots until a collection
        if self.ring is not None and self.slots.held() >= self.ring.slots:
            self.stop()  # a failed iteration leaves no loader behind, even while its error is kept
            raise SpriteStreamError(f"all {self.ring.slots} of the loader's batch slots are held by tensors still "
                                    "alive, so it cannot deliver another batch: .clone() the batches you keep "
                                    "(and drop the originals), or ask for more slots with slabs=N")

    def _failed(self) -> None:
        closed = self.stopped
        self.stopped = True
        code = self.proc.wait()
        self.stderr_thread.join(10)
        self._close_pipes()
        self._sweep()
        if closed:
            raise SpriteStreamError("the stream was closed")
        if self.errors:
            raise SpriteStreamError(self.errors[-1])
        if code == 2 and self.first_line:
            raise SpriteStreamError(self.first_line)  # a bad option: its reason, then the usage
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        raise SpriteStreamError(f"the loader {how} before the end of the run (its messages are above)")

    def _sweep(self) -> None:
        # A loader killed before this side mapped its ring leaves the file: remove it.
        for path in glob.glob(os.path.join(self.ring_dir, f"spritestream-{self.proc.pid}-*.ring")):
            try:
                os.unlink(path)
            except OSError:
                pass

    def stop(self) -> None:
        """Ends the run: the loader sees its input end, stops and exits. Batches held stay valid."""
        if self.stopped:
            return
        self.stopped = True
        try:
            self.stdin.close()
        except OSError:
            pass  # its end is what the loader waits for
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr_thread.join(10)
        self._close_pipes()
        self._sweep()

    def _close_pipes(self) -> None:
        for pipe in (self.stdin, self.lines, self.stderr):
            try:
                pipe.close()
            except OSError:
                pass


class _HeldSlots:
    """How many of the ring's slots batches on this side hold: taken by the thread that iterates,
    given back by the finalizer of each batch's pixels.

    A finalizer runs on whichever thread drops the last tensor over a slot, or on the thread whose
    allocation starts a garbage collection, at any point of any code: between two steps of
    ``taken += 1`` on this very thread, too. A lock around the count would not do: a plain Lock,
    held by the iterating thread while a collection it started runs a finalizer that asks for the
    same lock on the same thread, waits for itself forever; an RLock would let that finalizer in,
    to change the count under the update it interrupted. So a finalizer takes no lock at all: it
    appends to a deque, which is thread-safe (one C call, atomic, that runs no Python code and
    allocates nothing the collector tracks, so nothing interrupts it). The counts belong to the
    iterating thread alone, which folds the deque in before it reads them (the only one to pop).
    """

    def __init__(self) -> None:
        self._taken = 0
        self._given_back = 0
        self._returned: Deque[int] = collections.deque()

    def take(self) -> None:
        """A batch over a slot is made (the iterating thread)."""
        self._taken += 1

    def give_back(self, slot: int) -> None:
        """The last view of ``slot`` is gone (any thread: a finalizer)."""
        self._returned.append(slot)

    def held(self) -> int:
        """Slots batches hold now (the iterating thread)."""
        returned = self._returned
        while returned:  # it only grows behind this thread's back: what is there stays there
            returned.popleft()
            self._given_back += 1
        return self._taken - self._given_back


def _release(slot: int, feed: _Feed) -> None:
    """A slot's last view is gone: give it back (any thread)."""
    feed.slots.give_back(slot)
    if feed.stopped:
        return  # the run is over: nobody waits for the slot
    try:
        # One small write into a pipe, under the file's back: atomic, and no buffer's lock to re-enter
        # (a finalizer may run in the middle of anything).
        os.write(feed.stdin.fileno(), b"F %d\n" % slot)
    except (OSError, ValueError):
        pass  # the loader is gone


@atexit.register
def _stop_all() -> None:
    for feed in list(_live_feeds):
        feed.stop()
