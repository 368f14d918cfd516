"""Build conveyor's image locally with podman: ``python -m tools.image`` (``make image``).

No registry is reachable here, so the Dockerfile's base comes from Debian's mirror
(debootstrap, imported into podman once) and the Python packages from a wheelhouse built
on the host. Both are cached under ``CONVEYOR_IMAGE_CACHE`` (default
``~/.cache/conveyor-image``), so a rebuild takes seconds. The podman configuration
(runc, ulimits the host allows) is a file in that cache, passed as ``CONTAINERS_CONF``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
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
# Requirements whose markers the host's Python skips but the image's may not: Debian
# bookworm's Python is 3.11.2, and redis needs async-timeout below 3.11.3.
TARGET_ONLY_REQUIREMENTS = ["async-timeout>=4.0.3"]
# The extras the pods need (the Dockerfile installs the same): the chart's Flower and the
# workers' pod-deletion-cost.
IMAGE_EXTRAS = "flower,kubernetes"
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


def build_wheelhouse() -> Path:
    """build/wheelhouse: the project's wheel plus its and its image extras' dependencies
    (cached by pyproject)."""
    key = (REPO / "pyproject.toml").read_bytes() + IMAGE_EXTRAS.encode()
    deps = CACHE / "wheels" / hashlib.sha256(key).hexdigest()[:16]
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    if not deps.exists():
        partial = deps.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        project = f"{REPO}[{IMAGE_EXTRAS}]"
        _run([*pip, "wheel", "--wheel-dir", str(partial), project, *TARGET_ONLY_REQUIREMENTS])
        for wheel in partial.glob("conveyor-*.whl"):
            wheel.unlink()
        partial.rename(deps)
    out = REPO / "build" / "wheelhouse"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for wheel in deps.glob("*.whl"):
        shutil.copy2(wheel, out / wheel.name)
    _run([*pip, "wheel", "--no-deps", "--wheel-dir", str(out), str(REPO)])
    return out


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
        "--wheelhouse-only", action="store_true", help="only build/wheelhouse (skaffold's hook)"
    )
    args = parser.parse_args()
    if args.wheelhouse_only:
        with _exclusive():
            print(build_wheelhouse())
        return
    print(build(args.tag))


if __name__ == "__main__":
    main()
