"""The Python way to train from a sprite topic, as a peer to measure spritestream against.

A PyTorch ``DataLoader`` over a Kafka topic: ``num_workers`` worker processes, each consuming its
share of the partitions with confluent-kafka, decoding with OpenCV (``cv2.imdecode``, colour
conversion to RGBA, nearest-neighbour resize), ``torch.from_numpy``, and the default collate. It
reads exactly the records of a dataset version (the catalog's manifest gives the offsets), in
offset order (no shuffle: the easiest case for Kafka), for as many epochs as asked, with persistent
workers (so worker start-up is paid once, as spritestream's JVM start is not counted either).

Only Debian's packages are needed: python3-torch, python3-numpy, python3-opencv,
python3-confluent-kafka.

    python3 dataloader_peer.py --bootstrap 127.0.0.1:9092 --dataset bench-72 --size 64 --epochs 3
"""

import argparse
import json
import sys
import time

import cv2
import numpy as np
import torch
from confluent_kafka import Consumer, TopicPartition
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

CATALOG = "spritestream.catalog"


def manifest(bootstrap, dataset):
    """The latest version of ``dataset`` (or ``NAME@V``) from the catalog topic: its topic, ranges and classes."""
    name, _, version = dataset.partition("@")
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "spritestream-peer-catalog",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        metadata = consumer.list_topics(CATALOG, timeout=10)
        partitions = list(metadata.topics[CATALOG].partitions)
        ends = {}
        for p in partitions:
            _, high = consumer.get_watermark_offsets(TopicPartition(CATALOG, p), timeout=10)
            ends[p] = high
        consumer.assign([TopicPartition(CATALOG, p, 0) for p in partitions])
        found = {}
        remaining = {p for p in partitions if ends[p] > 0}
        while remaining:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            if msg.value() is not None:
                m = json.loads(msg.value())
                if m["dataset"] == name:
                    found[m["version"]] = m
            if msg.offset() + 1 >= ends[msg.partition()]:
                remaining.discard(msg.partition())
        if not found:
            sys.exit(f"dataset {name!r} not found in {CATALOG}")
        return found[int(version)] if version else found[max(found)]
    finally:
        consumer.close()


def to_rgba(image):
    """What spritestream delivers by default: 8-bit RGBA (alpha 255 where the image has none)."""
    if image.dtype != np.uint8:
        image = (image >> 8).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGBA)
    if image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGBA)
    return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)


class KafkaSprites(IterableDataset):
    """One epoch of a dataset version's records, each worker reading its share of the partitions."""

    def __init__(self, bootstrap, topic, ranges, classes, size):
        super().__init__()
        self.bootstrap = bootstrap
        self.topic = topic
        self.ranges = sorted((int(p), r[0], r[1]) for p, r in ranges.items())
        self.class_ids = {c: i for i, c in enumerate(classes)}
        self.size = size

    def __iter__(self):
        info = get_worker_info()
        mine = self.ranges if info is None else self.ranges[info.id::info.num_workers]
        mine = [(p, start, end) for p, start, end in mine if end > start]
        if not mine:
            return
        consumer = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "spritestream-peer",
                             "enable.auto.commit": False, "fetch.min.bytes": 1 << 20,
                             "fetch.wait.max.ms": 5})
        try:
            consumer.assign([TopicPartition(self.topic, p, start) for p, start, _ in mine])
            ends = {p: end for p, _, end in mine}
            while ends:
                for msg in consumer.consume(500, 1.0):
                    if msg.error():
                        continue
                    p = msg.partition()
                    if p not in ends or msg.offset() >= ends[p]:
                        continue
                    if msg.offset() + 1 >= ends[p]:
                        del ends[p]
                        consumer.pause([TopicPartition(self.topic, p)])
                    image = cv2.imdecode(np.frombuffer(msg.value(), np.uint8), cv2.IMREAD_UNCHANGED)
                    if image is None:
                        continue
                    rgba = cv2.resize(to_rgba(image), (self.size, self.size), interpolation=cv2.INTER_NEAREST)
                    label = dict(msg.headers() or []).get("label")
                    yield torch.from_numpy(rgba), self.class_ids.get(label.decode() if label else None, -1)
        finally:
            consumer.close()


def run(bootstrap, dataset, size, epochs, batch, workers):
    """Samples per second a training loop receives, over ``epochs`` epochs (worker start-up included)."""
    m = manifest(bootstrap, dataset)
    data = KafkaSprites(bootstrap, m["topic"], m["partitions"], m["classes"], size)
    loader = DataLoader(data, batch_size=batch, num_workers=workers, persistent_workers=workers > 0)
    began = time.perf_counter()
    samples = 0
    for _ in range(epochs):
        for images, _labels in loader:
            samples += images.shape[0]
    seconds = time.perf_counter() - began
    return {"samples": samples, "seconds": seconds, "samples_per_s": samples / seconds, "records": m["count"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--dataset", required=True, help="NAME or NAME@VERSION")
    parser.add_argument("--size", type=int, default=64, help="sample size (square)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    result = run(args.bootstrap, args.dataset, args.size, args.epochs, args.batch, args.workers)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
