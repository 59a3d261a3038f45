"""What a PyTorch loop receives through SpriteStream, next to the JVM loader alone and the PyTorch
DataLoader peer, over the same records.

Starts a local broker with the loader jar (unless --bootstrap is given), produces a synthetic sprite
dataset (72x72 by default), or the real sprites of a folder (--dir PATH, PATH/<label>/*.png, as
``produce --dir`` reads it: the benchmark that counts), then measures one after the other, --repeat
times in turn.

Rates of the loaders alone (the first table), first over --epochs epochs without a cache (every
epoch decodes), then, with --cache-epochs N > 0, over N epochs with a new decoded-sample cache each
(the first epoch fills it):

- ``load``: the JVM loader alone (its report's rate: from the loader's open to its last batch);
- ``SpriteStream``: the natural loop (one stream, one ``for`` per epoch) over the feed's batches,
  touching each batch's pixels once (``images.sum()`` over one row, so the pages are really read);
  its rate runs from the loader's open (the ring's announcement) to the last batch received in
  Python;
- the PyTorch DataLoader peer (dataloader_peer.py: 2 persistent workers, OpenCV, default collate),
  from its first iteration to its last batch (worker start-up included).

The epoch loop (the second table, --loop-epochs E > 0): a training script's E epochs as a user
writes them, each timed from the loop's start (before the stream or dataset is made: the JVM's or
the workers' start-up, the catalog read, all included) to its last batch:

- SpriteStream, the natural loop: ``stream = SpriteStream(...)`` once, then ``for epoch in
  range(E): for images, labels in stream``: one loader for every epoch (a new cache, filled in the
  first epoch);
- SpriteStream, a new stream for each epoch (``start_epoch=e``): a loader started per epoch, as
  each ``for`` once started one (the same new cache);
- the PyTorch DataLoader peer over the same epochs (2 persistent workers, no cache: each epoch
  decodes);
- ``load --epochs E`` (through the launcher next to the jar, ``spritestream``, as the other loader
  runs), a process from its start to its exit (a new cache).

Prints a Markdown table of the medians for each.

    python3 loader/python/benchmarks/stream_vs_loader.py --jar loader/target/spritestream-loader.jar
    python3 loader/python/benchmarks/stream_vs_loader.py --jar loader/target/spritestream-loader.jar --dir SPRITES
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import dataloader_peer  # noqa: E402
import peer_vs_loader  # noqa: E402
from spritestream import SpriteStream  # noqa: E402


def load(jar, bootstrap, dataset, size, epochs, threads, cache, work):
    r = peer_vs_loader.load(jar, bootstrap, dataset, size, epochs, threads, cache, work)
    return r["samples"], r["seconds"]


def touch(images):
    images[0].sum()  # read a row's pages: the bytes are there, in this process's view


def new_stream(jar, bootstrap, dataset, size, threads, cache, **options):
    cache_options = dict(cache=cache) if cache else dict(no_cache=True)
    return SpriteStream(jar=jar, log=None, bootstrap=bootstrap, dataset=dataset, size=size, threads=threads, seed=1,
                        **cache_options, **options)


def stream(jar, bootstrap, dataset, size, epochs, threads, cache):
    """The natural loop over ``epochs`` epochs; its rate from the loader's open to the last batch."""
    s = new_stream(jar, bootstrap, dataset, size, threads, cache, epochs=epochs)
    samples = 0
    for _ in range(epochs):
        for images, labels in s:
            touch(images)
            samples += len(labels)
    assert samples == s.run_report["samples"]
    return samples, s.report["received_seconds"]


def stream_loop(jar, bootstrap, dataset, size, epochs, threads, cache):
    """The natural loop, from before the stream is made to its last batch."""
    began = time.perf_counter()
    s = new_stream(jar, bootstrap, dataset, size, threads, cache)
    samples = 0
    for _ in range(epochs):
        for images, labels in s:
            touch(images)
            samples += len(labels)
    seconds = time.perf_counter() - began
    s.close()
    return samples, seconds


def stream_per_epoch(jar, bootstrap, dataset, size, epochs, threads, cache):
    """A new stream (a new loader) for each epoch, from before the first is made to the last batch."""
    began = time.perf_counter()
    samples = 0
    for epoch in range(epochs):
        s = new_stream(jar, bootstrap, dataset, size, threads, cache, epochs=epochs, start_epoch=epoch)
        for images, labels in s:
            touch(images)
            samples += len(labels)
        s.close()
    return samples, time.perf_counter() - began


def peer(bootstrap, dataset, size, epochs, workers):
    r = dataloader_peer.run(bootstrap, dataset, size, epochs, 64, workers)
    return r["samples"], r["seconds"]


def peer_loop(bootstrap, dataset, size, epochs, workers):
    """The DataLoader peer from before its dataset is made (the catalog read) to its last batch."""
    began = time.perf_counter()
    r = dataloader_peer.run(bootstrap, dataset, size, epochs, 64, workers)
    return r["samples"], time.perf_counter() - began


def load_process(jar, bootstrap, dataset, size, epochs, threads, cache):
    """``load`` as a process, from its start to its exit."""
    began = time.perf_counter()
    done = subprocess.run([*peer_vs_loader.loader_command(jar), "load", "--bootstrap", bootstrap, "--dataset", dataset, "--size",
                           str(size), "--epochs", str(epochs), "--threads", str(threads), "--seed", "1", "--quiet",
                           "--cache", cache], capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"load failed:\n{done.stdout}{done.stderr}")
    return None, seconds


def table(runs, references):
    """One Markdown row a run: its samples, median seconds, median rate, and that rate over each reference's."""
    for name, results in runs.items():
        rate = median_rate(results)
        cells = [f"{results[0][0]:,}", f"{statistics.median(t for _, t in results):.2f}", f"{rate:,.0f}"]
        cells += [f"{rate / reference:.2f}" for reference in references]
        print(f"| {name} | " + " | ".join(cells) + " |")


def median_rate(results):
    return statistics.median(s / t for s, t in results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jar", default="loader/target/spritestream-loader.jar")
    parser.add_argument("--bootstrap", help="a running broker (default: start one with the jar)")
    parser.add_argument("--dir", help="real sprites: a folder of <label>/*.png (as produce --dir reads it) "
                                      "instead of synthetic ones")
    parser.add_argument("--sprites", type=int, default=28910)
    parser.add_argument("--sprite-size", type=int, default=72)
    parser.add_argument("--size", type=int, default=64, help="sample size the training loop receives")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the runs without a cache (0: none)")
    parser.add_argument("--cache-epochs", type=int, default=3, help="epochs of the cached runs (0: none)")
    parser.add_argument("--loop-epochs", type=int, default=3, help="epochs of the epoch loop (0: none)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    jar = os.path.abspath(args.jar)

    work = tempfile.mkdtemp(prefix="spritestream-stream-")
    broker = None
    try:
        bootstrap = args.bootstrap
        if bootstrap is None:
            broker, bootstrap = peer_vs_loader.start_broker(jar, work)
        if args.dir:
            dataset, what = "stream-dir", f"the sprites of {os.path.basename(os.path.normpath(args.dir))}/"
            peer_vs_loader.produce_dir(jar, bootstrap, dataset, args.dir)
        else:
            dataset = f"stream-{args.sprite_size}px"
            what = f"{args.sprites} synthetic {args.sprite_size}x{args.sprite_size} sprites"
            peer_vs_loader.produce(jar, bootstrap, dataset, args.sprites, args.sprite_size)

        runs, loop = {}, {}

        def measure(into, name, fn):
            print(f"{name} ...", file=sys.stderr)
            samples, seconds = fn()
            into.setdefault(name, []).append((samples, seconds))

        for i in range(args.repeat):
            e, c, n = args.epochs, args.cache_epochs, args.loop_epochs
            if e > 0:
                measure(runs, f"JVM `load`, {e} epoch(s), no cache",
                        lambda: load(jar, bootstrap, dataset, args.size, e, args.threads, None, work))
                measure(runs, f"SpriteStream, {e} epoch(s), no cache",
                        lambda: stream(jar, bootstrap, dataset, args.size, e, args.threads, None))
                measure(runs, f"PyTorch DataLoader, {args.workers} workers, {e} epoch(s)",
                        lambda: peer(bootstrap, dataset, args.size, e, args.workers))
            if c > 0:
                measure(runs, f"JVM `load`, {c} epochs, cache filled in epoch 1",
                        lambda: load(jar, bootstrap, dataset, args.size, c, args.threads,
                                     tempfile.mkdtemp(dir=work), work))
                measure(runs, f"SpriteStream, {c} epochs, cache filled in epoch 1",
                        lambda: stream(jar, bootstrap, dataset, args.size, c, args.threads,
                                       tempfile.mkdtemp(dir=work)))
            if n > 0:
                measure(loop, f"SpriteStream, natural loop: one stream, {n} `for`s",
                        lambda: stream_loop(jar, bootstrap, dataset, args.size, n, args.threads,
                                            tempfile.mkdtemp(dir=work)))
                measure(loop, f"SpriteStream, a new stream (loader) for each of {n} epochs",
                        lambda: stream_per_epoch(jar, bootstrap, dataset, args.size, n, args.threads,
                                                 tempfile.mkdtemp(dir=work)))
                measure(loop, f"PyTorch DataLoader, {args.workers} persistent workers, {n} epochs",
                        lambda: peer_loop(bootstrap, dataset, args.size, n, args.workers))
                measure(loop, f"JVM `load --epochs {n}` process, start to exit",
                        lambda: load_process(jar, bootstrap, dataset, args.size, n, args.threads,
                                             tempfile.mkdtemp(dir=work)))

        print(f"{what} at {args.size}x{args.size}, {os.cpu_count()} cores, {args.threads} decode threads, "
              f"median of {args.repeat}")
        if runs:
            first_rate = median_rate(next(iter(runs.values())))
            print()
            if args.epochs > 0:
                peer_rate = median_rate(next(v for k, v in runs.items() if "DataLoader" in k))
                print("| run | samples | seconds | samples/s | / first row | / DataLoader |")
                print("|---|---:|---:|---:|---:|---:|")
                table(runs, [first_rate, peer_rate])
            else:
                print("| run | samples | seconds | samples/s | / first row |")
                print("|---|---:|---:|---:|---:|")
                table(runs, [first_rate])
        if loop:
            # load's process prints no count: it delivers what the natural loop does.
            samples = loop[next(iter(loop))][0][0]
            for name, results in loop.items():
                loop[name] = [(samples if s is None else s, t) for s, t in results]
            peer_rate = median_rate(next(v for k, v in loop.items() if "DataLoader" in k))
            print()
            print(f"{args.loop_epochs} epochs from the loop's start (the stream's or dataset's making) to its last "
                  "batch:")
            print()
            print("| run | samples | seconds | samples/s | / DataLoader |")
            print("|---|---:|---:|---:|---:|")
            table(loop, [peer_rate])
    finally:
        peer_vs_loader.stop_broker(broker)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
