"""What a PyTorch loop receives through SpriteStream, next to the JVM loader alone and the PyTorch
DataLoader peer, over the same records.

Starts a local broker with the loader jar (unless --bootstrap is given), produces a synthetic sprite
dataset (72x72 by default), then measures one after the other, --repeat times in turn:

- ``load``: the JVM loader alone (its report's rate: from the loader's open to its last batch);
- ``SpriteStream``: a Python loop over the feed's batches, touching each batch's pixels once
  (``images.sum()`` over one row, so the pages are really read); its rate runs from the loader's open
  (the ring's announcement) to the last batch received in Python;
- the PyTorch DataLoader peer (dataloader_peer.py: 2 workers, OpenCV, default collate), from its
  first iteration to its last batch (worker start-up included);

first over --epochs epochs without a cache (every epoch decodes), then, with --cache-epochs N > 0,
over N epochs with a new decoded-sample cache each (the first epoch fills it). Prints a Markdown
table of the medians.

    python3 loader/python/benchmarks/stream_vs_loader.py --jar loader/target/spritestream-loader.jar
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import dataloader_peer  # noqa: E402
import peer_vs_loader  # noqa: E402
from spritestream import SpriteStream  # noqa: E402


def load(jar, bootstrap, dataset, size, epochs, threads, cache, work):
    r = peer_vs_loader.load(jar, bootstrap, dataset, size, epochs, threads, cache, work)
    return r["samples"], r["seconds"]


def stream(jar, bootstrap, dataset, size, epochs, threads, cache):
    options = dict(cache=cache) if cache else dict(no_cache=True)
    s = SpriteStream(jar=jar, log=None, bootstrap=bootstrap, dataset=dataset, size=size, epochs=epochs,
                     threads=threads, seed=1, **options)
    samples = 0
    for images, labels in s:
        images[0].sum()  # read a row's pages: the bytes are there, in this process's view
        samples += len(labels)
    assert samples == s.report["samples"]
    return samples, s.report["received_seconds"]


def peer(bootstrap, dataset, size, epochs, workers):
    r = dataloader_peer.run(bootstrap, dataset, size, epochs, 64, workers)
    return r["samples"], r["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jar", default="loader/target/spritestream-loader.jar")
    parser.add_argument("--bootstrap", help="a running broker (default: start one with the jar)")
    parser.add_argument("--sprites", type=int, default=28910)
    parser.add_argument("--sprite-size", type=int, default=72)
    parser.add_argument("--size", type=int, default=64, help="sample size the training loop receives")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--cache-epochs", type=int, default=3, help="epochs of the cached runs (0: none)")
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
        dataset = f"stream-{args.sprite_size}px"
        peer_vs_loader.produce(jar, bootstrap, dataset, args.sprites, args.sprite_size)

        runs = {}

        def measure(name, fn):
            print(f"{name} ...", file=sys.stderr)
            samples, seconds = fn()
            runs.setdefault(name, []).append((samples, seconds))

        for i in range(args.repeat):
            e = args.epochs
            measure(f"JVM `load`, {e} epoch(s), no cache",
                    lambda: load(jar, bootstrap, dataset, args.size, e, args.threads, None, work))
            measure(f"SpriteStream, {e} epoch(s), no cache",
                    lambda: stream(jar, bootstrap, dataset, args.size, e, args.threads, None))
            measure(f"PyTorch DataLoader, {args.workers} workers, {e} epoch(s)",
                    lambda: peer(bootstrap, dataset, args.size, e, args.workers))
            if args.cache_epochs > 0:
                c = args.cache_epochs
                measure(f"JVM `load`, {c} epochs, cache filled in epoch 1",
                        lambda: load(jar, bootstrap, dataset, args.size, c, args.threads,
                                     tempfile.mkdtemp(dir=work), work))
                measure(f"SpriteStream, {c} epochs, cache filled in epoch 1",
                        lambda: stream(jar, bootstrap, dataset, args.size, c, args.threads,
                                       tempfile.mkdtemp(dir=work)))

        peer_rate = statistics.median(s / t for s, t in next(v for k, v in runs.items() if "DataLoader" in k))
        load_rate = statistics.median(s / t for s, t in next(iter(runs.values())))
        print(f"{args.sprites} synthetic {args.sprite_size}x{args.sprite_size} sprites at {args.size}x{args.size}, "
              f"{os.cpu_count()} cores, median of {args.repeat}")
        print("| run | samples | seconds | samples/s | / JVM load (no cache) | / DataLoader |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, results in runs.items():
            rate = statistics.median(s / t for s, t in results)
            samples, seconds = results[0]
            print(f"| {name} | {samples:,} | {statistics.median(t for _, t in results):.2f} | {rate:,.0f} "
                  f"| {rate / load_rate:.2f} | {rate / peer_rate:.1f} |")
    finally:
        peer_vs_loader.stop_broker(broker)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
