"""Images: :class:`Image` (MLflow's ``mlflow.Image``) and the artifact layout of image series.

``log_image(image, key=..., step=...)`` writes, as MLflow 3 does, two files per call under
``images/``::

    images/<key>+step+<step>+timestamp+<ms>+<uuid>.png               the full image
    images/<key>+step+<step>+timestamp+<ms>+<uuid>+compressed.webp   a thumbnail (<= 256 px)

(``/`` in the key becomes ``~``, so a key never creates subdirectories) and sets the run tag
``mlflow.loggedImages``, which MLflow's UI reads to show the run's image charts. Pillow is
optional (``pip install 'flowtrack[plots]'``) and imported on first use.
"""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

from flowtrack._private.clock import now_ms
from flowtrack._private.validation import validate_step, validate_timestamp
from flowtrack.entities.tags import MLFLOW_LOGGED_IMAGES
from flowtrack.exceptions import InvalidParameterError
from flowtrack.tracking.payloads import pil_image

__all__ = [
    "COMPRESSED_IMAGE_SIZE",
    "MLFLOW_LOGGED_IMAGES",
    "Image",
    "compress_image_size",
    "image_series_files",
]

#: The longest side of the thumbnail written beside each image of a series.
COMPRESSED_IMAGE_SIZE = 256
_IMAGE_KEY_RE = re.compile(r"^[a-zA-Z0-9_\-./ ]+$")


def compress_image_size(image: Any, max_size: int = COMPRESSED_IMAGE_SIZE) -> Any:
    """Scale a PIL image to fit a ``max_size`` square, keeping its aspect ratio.

    Args:
        image: A ``PIL.Image.Image``.
        max_size: The longest side of the result, in pixels.

    Returns:
        A resized copy (also when the image is smaller: MLflow's thumbnails always have that
        size on their longest side).
    """
    width, height = image.size
    if width > height:
        size = (max_size, max(1, int(height * max_size / width)))
    else:
        size = (max(1, int(width * max_size / height)), max_size)
    return image.resize(size)


def image_series_files(key: str, step: int | None, timestamp: int | None) -> tuple[str, str]:
    """Return the artifact paths of one image of a series: the PNG and its WEBP thumbnail.

    Args:
        key: The series name: letters, digits, ``_``, ``-``, ``.``, `` `` and ``/``.
        step: The step; default 0.
        timestamp: Milliseconds since the epoch; default now.

    Returns:
        ``(images/<key>+step+<n>+timestamp+<ms>+<uuid>.png, ...+compressed.webp)``.

    Raises:
        InvalidParameterError: The key has other characters, or a bad step or timestamp.
    """
    if not isinstance(key, str) or not _IMAGE_KEY_RE.match(key):
        raise InvalidParameterError(
            f"Invalid image key {key!r}: keys may contain only letters, digits, '_', '-', '.', "
            "' ' and '/'"
        )
    number = validate_step(key, step or 0)
    millis = validate_timestamp(key, timestamp or now_ms())
    stem = f"images/{key.replace('/', '~')}+step+{number}+timestamp+{millis}+{uuid.uuid4()}"
    return f"{stem}.png", f"{stem}+compressed.webp"


class Image:
    """An image to log (MLflow's ``mlflow.Image``): wraps a PIL image.

    Args:
        image: A numpy array (or nested list) of pixels, a ``PIL.Image.Image``, or the path of
            an image file.

    Raises:
        InvalidParameterError: Another type, or an array with a bad shape, dtype or values.
        MissingDependencyError: Pillow is not installed.

    Example:
        >>> picture = flowtrack.Image(np.zeros((100, 100, 3), dtype=np.uint8))
        >>> picture.size
        (100, 100)
        >>> flowtrack.log_image(picture, key="samples", step=1)
    """

    def __init__(self, image: Any) -> None:
        if isinstance(image, str | os.PathLike):
            from PIL import Image as PILImage

            self.image: Any = PILImage.open(os.fspath(image))
        elif isinstance(image, list):
            import numpy as np

            self.image = pil_image(np.array(image))
        elif isinstance(image, Image):
            self.image = image.image
        else:
            self.image = pil_image(image)
        #: ``(width, height)`` in pixels.
        self.size: tuple[int, int] = self.image.size

    def __repr__(self) -> str:
        return f"Image(mode={self.image.mode!r}, size={self.size})"

    def to_list(self) -> list[Any]:
        """Return the pixel values, row by row (ints, or tuples per channel)."""
        # Pillow 12.1 renamed getdata (deprecated, removed in Pillow 14) to get_flattened_data.
        flattened = getattr(self.image, "get_flattened_data", None) or self.image.getdata
        return list(flattened())

    def to_array(self) -> Any:
        """Return the pixels as a numpy array (HxW or HxWxC)."""
        import numpy as np

        return np.array(self.image)

    def to_pil(self) -> Any:
        """Return the wrapped ``PIL.Image.Image``."""
        return self.image

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the image to a file, in the format its extension names.

        Args:
            path: The file to write.
        """
        self.image.save(os.fspath(path))

    def resize(self, size: tuple[int, int]) -> Image:
        """Return a resized copy.

        Args:
            size: ``(width, height)`` in pixels.

        Returns:
            A new :class:`Image`.
        """
        return Image(self.image.resize(size))
