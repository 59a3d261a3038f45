"""spritestream's loader and the PyTorch DataLoader peer, side by side, over the same records.

Starts a local broker with the loader jar (unless --bootstrap is given), produces a synthetic
sprite dataset (72x72 by default), or the real sprites of a folder (--dir PATH, PATH/<label>/*.png),
then measures, one after the other on the same topic:

- the JVM loader over --epochs epochs with a new, empty decoded-sample cache (epoch 1 decodes and
  fills it, later epochs copy from it);
- the PyTorch DataLoader peer (dataloader_peer.py: 2 workers, OpenCV, default collate) over the
  same epochs;
- the JVM loader without a cache (every epoch decodes);
- the JVM loader again over the now warm cache.

Each rate is samples a training loop received per second over the whole run: from the loader's
open to its last batch (the JVM's start and DJL's engine load are not counted) and from the
DataLoader's first iteration to its last batch (Python's start and imports are not counted; worker
start-up is). Prints a Markdown table.

    python3 loader/python/benchmarks/peer_vs_loader.py --jar loader/target/spritestream-loader.jar
    python3 loader/python/benchmarks/peer_vs_loader.py --jar loader/target/spritestream-loader.jar --dir SPRITES
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataloader_peer  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit("the broker ended before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"no broker on port {port} after {seconds} s")


def loader_command(jar):
    """How a user starts the loader: the launcher the build puts next to the jar (``spritestream``:
    its class-data sharing archive and start-up settings), else ``java -jar``."""
    launcher = os.path.join(os.path.dirname(os.path.abspath(jar)), "spritestream")
    return [launcher] if os.access(launcher, os.X_OK) else ["java", "-jar", jar]


def java(jar, *args):
    command = [*loader_command(jar), *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def start_broker(jar, work):
    """A broker from the jar on a free port, its data under ``work``: (process, bootstrap)."""
    port = free_port()
    broker = subprocess.Popen(["java", "-jar", jar, "broker", "--port", str(port), "--data",
                               os.path.join(work, "kafka")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, broker)
    return broker, f"127.0.0.1:{port}"


def stop_broker(broker):
    if broker is not None:
        broker.terminate()
        broker.wait(30)


def produce(jar, bootstrap, dataset, sprites, sprite_size):
    print(f"producing {sprites} synthetic {sprite_size}x{sprite_size} sprites as {dataset} ...", file=sys.stderr)
    java(jar, "produce", "--bootstrap", bootstrap, "--dataset", dataset, "--synthetic", str(sprites),
         "--size", str(sprite_size), "--quiet")


def produce_dir(jar, bootstrap, dataset, folder):
    """Produces the sprites of ``folder`` (``folder/<label>/*.png``, as ``produce --dir`` reads it)."""
    print(f"producing the sprites of {os.path.basename(os.path.normpath(folder))}/ as {dataset} ...", file=sys.stderr)
    java(jar, "produce", "--bootstrap", bootstrap, "--dataset", dataset, "--dir", folder, "--quiet")


def load(jar, bootstrap, dataset, size, epochs, threads, cache, work):
    """A `load` run of the jar; its report (samples, seconds, ...)."""
    report = os.path.join(work, "report.json")
    cache_args = ["--cache", cache] if cache else ["--no-cache"]
    java(jar, "load", "--bootstrap", bootstrap, "--dataset", dataset, "--size", str(size), "--epochs", str(epochs),
         "--threads", str(threads), "--seed", "1", "--quiet", "--report-json", report, *cache_args)
    with open(report) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jar", default="loader/target/spritestream-loader.jar")
    parser.add_argument("--bootstrap", help="a running broker (default: start one with the jar)")
    parser.add_argument("--dir", help="real sprites: a folder of <label>/*.png (as produce --dir reads it) "
                                      "instead of synthetic ones")
    parser.add_argument("--sprites", type=int, default=28910)
    parser.add_argument("--sprite-size", type=int, default=72)
    parser.add_argument("--size", type=int, default=64, help="sample size the training loop receives")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="spritestream-peer-")
    broker = None
    try:
        bootstrap = args.bootstrap
        if bootstrap is None:
            broker, bootstrap = start_broker(args.jar, work)
        if args.dir:
            dataset, what = "peer-dir", f"sprites of {os.path.basename(os.path.normpath(args.dir))}/"
            produce_dir(args.jar, bootstrap, dataset, args.dir)
        else:
            dataset = f"peer-{args.sprite_size}px"
            what = f"{args.sprites} synthetic {args.sprite_size}x{args.sprite_size} sprites"
            produce(args.jar, bootstrap, dataset, args.sprites, args.sprite_size)
        cache = os.path.join(work, "cache")
        rows = []
        print("loader, empty cache ...", file=sys.stderr)
        first = load(args.jar, bootstrap, dataset, args.size, args.epochs, args.threads, cache, work)
        rows.append(("JVM loader, cache filled in epoch 1", first["samples"], first["seconds"]))
        print("PyTorch DataLoader peer ...", file=sys.stderr)
        peer = dataloader_peer.run(bootstrap, dataset, args.size, args.epochs, 64, args.workers)
        rows.append((f"PyTorch DataLoader, {args.workers} workers", peer["samples"], peer["seconds"]))
        print("loader, no cache ...", file=sys.stderr)
        plain = load(args.jar, bootstrap, dataset, args.size, args.epochs, args.threads, None, work)
        rows.append(("JVM loader, no cache", plain["samples"], plain["seconds"]))
        print("loader, warm cache ...", file=sys.stderr)
        warm = load(args.jar, bootstrap, dataset, args.size, args.epochs, args.threads, cache, work)
        rows.append(("JVM loader, warm cache", warm["samples"], warm["seconds"]))

        peer_rate = peer["samples"] / peer["seconds"]
        print(f"{what} at {args.size}x{args.size}, {args.epochs} epochs, {os.cpu_count()} cores")
        print("| run | samples | seconds | samples/s | / peer |")
        print("|---|---:|---:|---:|---:|")
        for name, samples, seconds in rows:
            rate = samples / seconds
            print(f"| {name} | {samples:,} | {seconds:.2f} | {rate:,.0f} | {rate / peer_rate:.1f} |")
    finally:
        stop_broker(broker)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
