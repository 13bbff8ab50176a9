"""An environment's list of the image tags its registry holds, pinned by digest.

`overlays/<env>/images.lock.yaml` (optional)::

    apiVersion: kustguard.io/v1
    kind: ImageLock
    images:
      todo:                      # the images: entry's name
        "1.2.3": sha256:0123...  # tag: digest (quote tags that look like numbers)
        "1.2.4": sha256:4567...

When the file exists, promote refuses (as a finding, exit 1) a pin it does
not list: an image missing from the lock, a tag it does not hold, or a
digest that is not the one the lock records for the tag.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kustguard import yamlload
from kustguard.edit.images import DIGEST, Pin
from kustguard.errors import InputError

LOCK_FILE = "images.lock.yaml"
LOCK_API = "kustguard.io/v1"
LOCK_KIND = "ImageLock"


@dataclass
class ImageLock:
    display: str
    images: dict[str, dict[str, str]]

    def problem(self, image: str, pin: Pin) -> str | None:
        """Why the lock does not allow `pin` for `image`, or None."""
        tags = self.images.get(image)
        if tags is None:
            return f"{image} is not in {self.display}"
        if pin.tag is not None:
            if pin.tag not in tags:
                return f"{image}:{pin.tag} is not in {self.display}"
            if pin.digest is not None and tags[pin.tag] != pin.digest:
                return (f"{image}@{pin.digest} is not the digest {self.display} records "
                        f"for {pin.tag} ({tags[pin.tag]})")
            return None
        if pin.digest is not None and pin.digest not in tags.values():
            return f"{image}@{pin.digest} is not in {self.display}"
        return None


def load(folder: Path, display: str) -> ImageLock | None:
    path = folder / LOCK_FILE
    if not path.is_file():
        return None
    docs = yamlload.load_file(path, display=display)
    doc = docs[0][2] if len(docs) == 1 else None
    if not isinstance(doc, dict) or doc.get("apiVersion") != LOCK_API or doc.get("kind") != LOCK_KIND:
        raise InputError(f"expected one mapping with apiVersion {LOCK_API} and kind {LOCK_KIND}",
                         display, 1)
    images = doc.get("images") or {}
    if not isinstance(images, dict):
        raise InputError("images must map image names to {tag: digest}", display)
    out: dict[str, dict[str, str]] = {}
    for name, tags in images.items():
        if not isinstance(tags, dict):
            raise InputError(f"images.{name} must map tags to digests", display)
        for tag, digest in tags.items():
            if not isinstance(tag, str):
                raise InputError(f"images.{name}: tag {tag!r} is not a string", display,
                                 hint=f'quote it: "{tag}"')
            if not isinstance(digest, str) or not DIGEST.match(digest):
                raise InputError(f"images.{name}.{tag}: {digest!r} is not a digest", display,
                                 hint="write sha256:<64 hex digits>")
        out[str(name)] = dict(tags)
    return ImageLock(display, out)
