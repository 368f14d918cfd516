"""Build conveyor's image locally with podman: ``python -m tools.image`` (``make image``).

No registry is reachable here, so the Dockerfile's base comes from Debian's mirror
(debootstrap, imported into podman once), and pip inside the build cannot reach PyPI, so
the build takes the Dockerfile's wheelhouse path (``PACKAGES=wheelhouse``): the locked
wheels (requirements/image.txt, with their hashes) are downloaded on the host for the
image's platform into requirements/wheelhouse/. Both are cached under
``CONVEYOR_IMAGE_CACHE`` (default ``~/.cache/conveyor-image``), so a rebuild takes
seconds. The podman configuration (runc, ulimits the host allows) is a file in that
cache, passed as ``CONTAINERS_CONF``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("CONVEYOR_IMAGE_CACHE", Path.home() / ".cache" / "conveyor-image"))
BASE_IMAGE = "localhost/conveyor-base:bookworm"
IMAGE = os.environ.get("CONVEYOR_IMAGE", "localhost/conveyor:dev")
DEBIAN_MIRROR = os.environ.get("CONVEYOR_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# The extras the pods need (tools/lock.py locks them for the Dockerfile): the chart's
# Flower and the workers' pod-deletion-cost.
IMAGE_EXTRAS = "flower,kubernetes,otel"
LOCK = REPO / "requirements" / "image.txt"
WHEELHOUSE = REPO / "requirements" / "wheelhouse"
# The image's Python, for choosing wheels: CPython 3.11 on glibc (Debian bookworm: 2.36).
IMAGE_PYTHON = ("3.11", "cp311")
MANYLINUX = ["manylinux_2_36", "manylinux_2_28", "manylinux_2_17", "manylinux2014"]
# `uname -m` -> the machine part of a wheel's platform tag.
MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
"""


def podman_env() -> dict[str, str]:
    """The environment podman runs in: runc and the ulimits this host permits."""
    CACHE.mkdir(parents=True, exist_ok=True)
    conf = CACHE / "containers.conf"
    if not conf.exists() or conf.read_text() != CONTAINERS_CONF:
        conf.write_text(CONTAINERS_CONF)
    return {**os.environ, "CONTAINERS_CONF": str(conf)}


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    print("+", " ".join(args), file=sys.stderr, flush=True)
    return subprocess.run(args, check=True, env=podman_env(), **kwargs)  # type: ignore[call-overload, no-any-return]


def image_exists(name: str) -> bool:
    result = subprocess.run(
        ["podman", "image", "exists", name], env=podman_env(), capture_output=True
    )
    return result.returncode == 0


def ensure_base() -> None:
    """A minimal Debian bookworm with python3, its venv module, tini and CA certificates."""
    if image_exists(BASE_IMAGE):
        return
    rootfs = CACHE / "bookworm-rootfs"
    if not (rootfs / "usr" / "bin" / "python3").exists():
        shutil.rmtree(rootfs, ignore_errors=True)
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                "--include=python3,python3-venv,tini,ca-certificates",
                "bookworm",
                str(rootfs),
                DEBIAN_MIRROR,
            ],
            stdout=subprocess.DEVNULL,
        )
        for junk in (
            "var/cache/apt/archives",
            "var/lib/apt/lists",
            "usr/share/doc",
            "usr/share/man",
        ):
            shutil.rmtree(rootfs / junk, ignore_errors=True)
            (rootfs / junk).mkdir(parents=True, exist_ok=True)
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    _run(["podman", "import", "-", BASE_IMAGE], stdin=tar.stdout, stdout=subprocess.DEVNULL)
    if tar.wait() != 0:
        raise RuntimeError("tar of the base root filesystem failed")


def download_args(machine: str) -> list[str]:
    """pip download's options for the image's wheels on a CPU (x86_64 or aarch64)."""
    version, abi = IMAGE_PYTHON
    tags = [f"--platform={tag}_{machine}" for tag in MANYLINUX]
    return [
        "--only-binary=:all:",
        f"--python-version={version}",
        "--implementation=cp",
        f"--abi={abi}",
        *tags,
    ]


def unmarked_lock(text: str) -> str:
    """The lock without its environment markers: every locked wheel, whether or not the
    host's Python would install it (the image's decides when it installs them)."""
    return re.sub(r" ; [^\\\n]*", " ", text)


def build_wheelhouse(machine: str | None = None) -> Path:
    """requirements/wheelhouse: the locked wheels for the image's platform (cached by the
    lock and the CPU), checked against the lock's hashes."""
    machine = MACHINES[(machine or platform.machine()).lower()]
    lock = LOCK.read_text()
    key = hashlib.sha256(f"{lock}{machine}".encode()).hexdigest()[:16]
    wheels = CACHE / "wheels" / f"lock-{key}"
    if not wheels.exists():
        partial = wheels.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        requirements = partial / "requirements.txt"
        requirements.write_text(unmarked_lock(lock))
        _run(
            [
                *[sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"],
                "download",
                "--no-deps",
                "--require-hashes",
                *download_args(machine),
                "--dest",
                str(partial),
                "--requirement",
                str(requirements),
            ]
        )
        requirements.unlink()
        partial.rename(wheels)
    shutil.rmtree(WHEELHOUSE, ignore_errors=True)
    WHEELHOUSE.mkdir(parents=True)
    for wheel in wheels.glob("*.whl"):
        shutil.copy2(wheel, WHEELHOUSE / wheel.name)
    return WHEELHOUSE


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """One build at a time on this machine (parallel test workers, CI and a developer)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build(tag: str = IMAGE) -> str:
    with _exclusive():
        return _build(tag)


def _build(tag: str) -> str:
    ensure_base()
    build_wheelhouse()
    _run(
        [
            "podman",
            "build",
            "--layers",
            "--build-arg",
            f"BASE_IMAGE={BASE_IMAGE}",
            "--build-arg",
            "PACKAGES=wheelhouse",
            "--tag",
            tag,
            "--file",
            str(REPO / "Dockerfile"),
            str(REPO),
        ]
    )
    return tag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tag", default=IMAGE)
    parser.add_argument(
        "--wheelhouse-only",
        action="store_true",
        help="only download the locked wheels into requirements/wheelhouse (for another builder)",
    )
    parser.add_argument(
        "--machine",
        choices=sorted(MACHINES),
        help="the image's CPU for --wheelhouse-only (default: this host's)",
    )
    args = parser.parse_args()
    if args.wheelhouse_only:
        with _exclusive():
            print(build_wheelhouse(args.machine))
        return
    print(build(args.tag))


if __name__ == "__main__":
    main()
