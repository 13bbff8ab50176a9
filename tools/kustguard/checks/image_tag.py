"""Every container image is pinned by a tag other than `latest`, or by digest.

An unpinned image changes under a running Deployment on the next pull, so a
git commit no longer says what runs.

Passing::

    containers:
      - name: web
        image: nginx:1.27.3

Failing::

    containers:
      - name: web
        image: nginx          # no tag: means latest
      - name: cache
        image: redis:latest
"""
from __future__ import annotations

from collections.abc import Iterator

from kustguard.checks import OverlayContext
from kustguard.findings import Finding, Severity
from kustguard.checks._containers import iter_containers

ID = "image-tag"
SEVERITY = Severity.ERROR
FAMILY = "security"
KUBE_LINTER = ("latest-tag",)
CHECKOV = ("CKV_K8S_14", "CKV_K8S_43")


def image_tag(image: str) -> str:
    """The tag of an image reference; '' when it has none."""
    if "@" in image:
        return "@" + image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def check(ctx: OverlayContext) -> Iterator[Finding]:
    for workload in ctx.index.workloads():
        for c in iter_containers(workload):
            image = str(c.container.get("image", ""))
            tag = image_tag(image)
            if tag and tag != "latest":
                continue
            what = "has no tag" if not tag else "uses the tag latest"
            yield ctx.report(
                workload,
                f"container {c.container.get('name')!r} image {image!r} {what}",
                hint="pin it in the overlay's images: with newTag (or a digest)",
                path=c.path + ("image",),
            )
