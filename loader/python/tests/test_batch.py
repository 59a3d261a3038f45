"""``Batch`` and the count of slots held, on their own: no broker, no loader."""

import copy
import gc
import pickle
import queue
import sys
import threading
import weakref

import numpy as np
import pytest
import torch

from spritestream import Batch
from spritestream.stream import _HeldSlots


def a_batch():
    images = torch.arange(2 * 2 * 2 * 4, dtype=torch.uint8).reshape(2, 2, 2, 4)
    return Batch(images, torch.tensor([1, -1]), partitions=np.array([0, 1], np.int32),
                 offsets=np.array([10, 7], np.int64), key_bytes="a/1.pngb/é.png".encode(), key_starts=[0, 7, 15],
                 epoch=3, index=41, classes=["ball", "cross"], slot=2)


def test_a_batch_is_the_pair_images_labels_with_what_each_row_is():
    batch = a_batch()
    images, labels = batch

    assert isinstance(batch, tuple) and len(batch) == 2
    assert images is batch.images and labels is batch.labels
    assert batch.keys == ["a/1.png", "b/é.png"]
    assert batch.partitions.tolist() == [0, 1] and batch.offsets.tolist() == [10, 7]
    assert (batch.epoch, batch.index, batch.classes, batch.slot) == (3, 41, ["ball", "cross"], 2)
    assert repr(batch) == "Batch(epoch=3, index=41, rows=2, images=torch.uint8[2, 2, 2, 4], slot=2)"


def test_what_a_batch_says_of_its_rows_cannot_be_reassigned():
    batch = a_batch()
    for name in ("images", "labels", "keys", "partitions", "offsets", "epoch", "index", "classes", "slot"):
        with pytest.raises(AttributeError):
            setattr(batch, name, None)


def test_a_copy_shares_the_tensors_and_a_pickled_batch_has_copies_of_them():
    batch = a_batch()
    shallow = copy.copy(batch)
    again = pickle.loads(pickle.dumps(batch))

    assert shallow.images is batch.images and shallow.keys == batch.keys and shallow.index == 41
    for other in (again, copy.deepcopy(batch)):
        assert isinstance(other, Batch) and other.images is not batch.images
        assert torch.equal(other.images, batch.images) and torch.equal(other.labels, batch.labels)
        assert other.keys == batch.keys and other.offsets.tolist() == [10, 7]
        assert (other.epoch, other.index, other.classes, other.slot) == (3, 41, ["ball", "cross"], 2)


class Pixels:
    """Stands for a batch's pixels: its finalizer gives its slot back, as a batch's does."""

    def __init__(self, slots, slot):
        weakref.finalize(self, slots.give_back, slot)


def test_slots_given_back_by_finalizers_on_other_threads_and_in_collections_are_all_counted():
    slots = _HeldSlots()
    handed = queue.Queue()
    made = 20_000

    def drop():  # the last reference goes on this thread: the finalizer runs here
        while handed.get() is not None:
            pass

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can
    workers = [threading.Thread(target=drop) for _ in range(4)]
    try:
        for w in workers:
            w.start()
        for n in range(made):
            slots.take()
            pixels = Pixels(slots, n)
            if n % 3 == 0:
                pixels.cycle = pixels  # freed by a collection, on whichever thread allocates then
            else:
                handed.put(pixels)
            del pixels
            assert 0 <= slots.held() <= n + 1
        for _ in workers:
            handed.put(None)
        for w in workers:
            w.join()
    finally:
        sys.setswitchinterval(switch)
    gc.collect()

    assert slots.held() == 0, "every slot taken was given back, once"
