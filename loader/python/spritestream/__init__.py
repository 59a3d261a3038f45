"""spritestream for PyTorch: batches decoded by the JVM loader, seen as ``torch.uint8`` tensors
over its shared-memory ring, without a copy.

>>> from spritestream import SpriteStream
>>> for images, labels in SpriteStream(dataset="icons", size=64, epochs=3):
...     x = images.permute(0, 3, 1, 2).float().div_(255)   # a new tensor: the link to the ring ends here
"""

from .stream import Batch, SpriteStream, SpriteStreamError

__all__ = ["Batch", "SpriteStream", "SpriteStreamError"]
