"""spritestream for PyTorch: batches decoded by the JVM loader, seen as ``torch.uint8`` tensors
over its shared-memory ring, without a copy.

>>> from spritestream import SpriteStream
>>> stream = SpriteStream(dataset="icons", size=64, seed=1)   # one loader for every epoch
>>> for epoch in range(3):
...     for images, labels in stream:                        # each ``for`` is the next epoch
...         x = images.permute(0, 3, 1, 2).float().div_(255)   # a new tensor: the link to the ring ends here

On a GPU, ``to_device(batch, "cuda", mean, std)`` moves the uint8 bytes through reused page-locked
memory with a copy that overlaps the previous step, and converts and normalises on the device.
"""

from .device import to_device
from .stream import MAX_EPOCHS, Batch, SpriteStream, SpriteStreamError

__all__ = ["MAX_EPOCHS", "Batch", "SpriteStream", "SpriteStreamError", "to_device"]
