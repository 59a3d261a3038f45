"""The DataLoader peer the benchmarks measure against: it must do the work the loader does."""

import cv2
import numpy as np

import dataloader_peer
from conftest import java


def test_every_kind_of_image_becomes_8_bit_rgba_with_opaque_alpha_where_it_had_none():
    gray = np.full((2, 3), 7, np.uint8)
    bgr = np.zeros((2, 3, 3), np.uint8)
    bgr[..., 0] = 200  # blue
    bgra = np.zeros((2, 3, 4), np.uint8)
    bgra[..., 2] = 90  # red
    bgra[..., 3] = 10
    deep = np.full((2, 3, 3), 0xFFFF, np.uint16)

    assert dataloader_peer.to_rgba(gray).tolist() == [[[7, 7, 7, 255]] * 3] * 2
    assert dataloader_peer.to_rgba(bgr)[0, 0].tolist() == [0, 0, 200, 255]
    assert dataloader_peer.to_rgba(bgra)[0, 0].tolist() == [90, 0, 0, 10]
    assert dataloader_peer.to_rgba(deep)[0, 0].tolist() == [255, 255, 255, 255]


def test_the_peer_reads_exactly_the_records_of_the_version_once_an_epoch(bootstrap):
    java("produce", "--bootstrap", bootstrap, "--dataset", "peer-test", "--synthetic", "300", "--size", "24",
         "--classes", "3", "--quiet")

    result = dataloader_peer.run(bootstrap, "peer-test", 16, epochs=2, batch=32, workers=2)

    assert result["records"] == 300
    assert result["samples"] == 600
    assert result["samples_per_s"] > 0


def test_a_sample_is_the_image_decoded_and_fitted_nearest_neighbour(bootstrap):
    java("produce", "--bootstrap", bootstrap, "--dataset", "peer-pixels", "--synthetic", "4", "--size", "8",
         "--classes", "1", "--quiet")
    m = dataloader_peer.manifest(bootstrap, "peer-pixels")
    data = dataloader_peer.KafkaSprites(bootstrap, m["topic"], m["partitions"], m["classes"], 16)

    images = [image for image, label in data]

    assert len(images) == 4
    for image in images:
        assert image.dtype.is_floating_point is False and tuple(image.shape) == (16, 16, 4)
        # Nearest-neighbour doubling: every source pixel becomes a 2x2 square of equal pixels.
        a = image.numpy()
        assert np.array_equal(a[0::2, 0::2], a[1::2, 1::2])
        assert cv2.countNonZero(a[..., 3]) > 0, "a sprite is not all transparent"
