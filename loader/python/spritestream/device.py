"""Batches onto the training device the way a PyTorch step wants them: ``to_device``."""

from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch

DeviceLike = Union[str, torch.device]
Stats = Union[float, Sequence[float], None]


class _Pinned:
    """Two page-locked host buffers of one shape, used in turn, each with the event of the last copy
    out of it: the next batch is written into one while a copy from the other may still be in
    flight, and a buffer is reused only once its copy is done."""

    def __init__(self, shape: torch.Size, dtype: torch.dtype) -> None:
        self.buffers = [torch.empty(shape, dtype=dtype).pin_memory() for _ in range(2)]
        self.events: List[Optional[torch.cuda.Event]] = [None, None]
        self.turn = 0

    def next(self) -> Tuple[torch.Tensor, int]:
        i = self.turn
        self.turn = 1 - i
        event = self.events[i]
        if event is not None:
            event.synchronize()  # type: ignore[no-untyped-call]
        return self.buffers[i], i


_pinned: Dict[Tuple[torch.Size, torch.dtype, torch.device], _Pinned] = {}
_stats: Dict[Tuple[torch.device, Tuple[float, ...], Tuple[float, ...], int], Tuple[torch.Tensor, torch.Tensor]] = {}


def _per_channel(value: Stats, default: float, channels: int, name: str) -> Tuple[float, ...]:
    if value is None:
        return (default,) * channels
    if isinstance(value, (int, float)):
        return (float(value),) * channels
    values = tuple(float(v) for v in value)
    if len(values) != channels:
        raise ValueError(f"{name}: {len(values)} values for {channels} channels")
    return values


def _to(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``tensor`` on ``device``; to a GPU through pinned memory, the copy queued without waiting."""
    if device.type != "cuda":
        return tensor.to(device)
    key = (tensor.shape, tensor.dtype, device)
    pinned = _pinned.get(key)
    if pinned is None:
        pinned = _pinned[key] = _Pinned(tensor.shape, tensor.dtype)
    host, i = pinned.next()
    host.copy_(tensor)  # the ring's bytes into page-locked memory: one copy on the CPU, still uint8
    on_device = host.to(device, non_blocking=True)  # queued: overlaps what the device is doing
    event = torch.cuda.Event()  # type: ignore[no-untyped-call]
    event.record(torch.cuda.current_stream(device))  # type: ignore[no-untyped-call]
    pinned.events[i] = event
    return on_device


def to_device(batch: Tuple[torch.Tensor, torch.Tensor], device: DeviceLike, mean: Stats = None,
              std: Stats = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(images, labels)`` of a batch on ``device``, ready for a step: images ``float32 [B, C, H, W]``,
    ``(pixel / 255 - mean) / std`` per channel (``mean`` 0 and ``std`` 1 when not given; one number
    or one per channel), labels ``int64 [B]``.

    To a GPU, the ``uint8`` bytes travel (4 times fewer than floats): they are copied out of the ring
    into one of two reused page-locked buffers and from there to the device with
    ``non_blocking=True``, so the copy overlaps the work already queued (the previous step); the
    conversion, the normalisation and the permutation run on the device. The ring's slot is free to
    go back to the loader as soon as this returns. On the CPU nothing is staged: the images are read
    from the ring once, into the float result."""
    images, labels = batch
    target = torch.device(device)
    channels = images.shape[-1]
    means = _per_channel(mean, 0.0, channels, "mean")
    stds = _per_channel(std, 1.0, channels, "std")
    if any(s == 0 for s in stds):
        raise ValueError("std: 0 for a channel")
    x = _to(images, target).permute(0, 3, 1, 2).float()
    key = (target, means, stds, channels)
    scale_shift = _stats.get(key)
    if scale_shift is None:
        scale = torch.tensor([1.0 / (255.0 * s) for s in stds], device=target).view(1, channels, 1, 1)
        shift = torch.tensor([m / s for m, s in zip(means, stds)], device=target).view(1, channels, 1, 1)
        scale_shift = _stats[key] = (scale, shift)
    x.mul_(scale_shift[0]).sub_(scale_shift[1])
    return x, _to(labels, target)
