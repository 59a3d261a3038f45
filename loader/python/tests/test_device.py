"""``to_device`` on its own: no broker, no loader; on the CPU everywhere, on CUDA where there is one."""

import numpy as np
import pytest
import torch

from spritestream import Batch, to_device

CUDA = torch.cuda.is_available()


def a_batch(seed):
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (3, 5, 4, 3), dtype=torch.uint8, generator=g)
    return Batch(images, torch.tensor([2, 0, 1]), partitions=np.zeros(3, np.int32), offsets=np.arange(3),
                 key_bytes=b"abc", key_starts=[0, 1, 2, 3], epoch=0, index=seed, classes=["a", "b", "c"], slot=0)


def expected(batch, mean, std):
    images = batch.images.to(torch.float64).permute(0, 3, 1, 2) / 255
    m = torch.tensor(mean, dtype=torch.float64).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float64).view(1, -1, 1, 1)
    return ((images - m) / s).to(torch.float32)


def test_on_the_cpu_the_images_are_normalised_per_channel_channels_first_and_the_labels_kept():
    batch = a_batch(1)
    x, y = to_device(batch, "cpu", mean=[0.5, 0.25, 0.0], std=[0.5, 0.25, 2.0])

    assert x.dtype == torch.float32 and x.shape == (3, 3, 5, 4) and x.device.type == "cpu"
    torch.testing.assert_close(x, expected(batch, [0.5, 0.25, 0.0], [0.5, 0.25, 2.0]))
    assert y.dtype == torch.int64 and y.tolist() == [2, 0, 1]
    assert batch.images.dtype == torch.uint8, "the ring's bytes are not changed"


def test_without_statistics_the_images_are_scaled_to_0_1_and_one_number_serves_every_channel():
    batch = a_batch(2)
    torch.testing.assert_close(to_device(batch, "cpu")[0], expected(batch, [0.0] * 3, [1.0] * 3))
    torch.testing.assert_close(to_device(batch, "cpu", mean=0.5, std=0.25)[0], expected(batch, [0.5] * 3, [0.25] * 3))


def test_statistics_that_do_not_fit_the_channels_are_refused():
    with pytest.raises(ValueError, match="mean: 2 values for 3 channels"):
        to_device(a_batch(3), "cpu", mean=[0.1, 0.2])
    with pytest.raises(ValueError, match="std: 0 for a channel"):
        to_device(a_batch(3), "cpu", std=[1.0, 0.0, 1.0])


@pytest.mark.skipif(not CUDA, reason="no CUDA device")
def test_on_a_gpu_every_batch_arrives_whole_while_the_staging_buffers_are_reused():
    batches = [a_batch(seed) for seed in range(6)]
    # Six batches through two staging buffers, nothing synchronised in between: a buffer reused
    # before its copy finished would show as another batch's values.
    moved = [to_device(b, "cuda", mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25]) for b in batches]
    torch.cuda.synchronize()
    for batch, (x, y) in zip(batches, moved):
        assert x.device.type == "cuda" and y.device.type == "cuda"
        torch.testing.assert_close(x.cpu(), expected(batch, [0.5] * 3, [0.25] * 3))
        assert y.cpu().tolist() == batch.labels.tolist()
