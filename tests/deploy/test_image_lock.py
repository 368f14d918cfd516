"""The image's lock (requirements/image.txt), which the Dockerfile installs inside the
build: consistent with pyproject, complete and installable on amd64 and arm64.

The Dockerfile's index path cannot run here (pip inside a build fails TLS on this
machine; the podman smoke test takes the wheelhouse path, which installs the same lock
with the same hashes), so these tests check, from the host, what that path relies on:
every dependency pinned within pyproject's ranges, every transitive one present with
hashes, and a wheel of each for both CPUs.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools import image, lock

REPO = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)", re.M)


def pins() -> dict[str, str]:
    text = image.LOCK.read_text()
    return {canonicalize_name(m["name"]): m["version"] for m in PIN.finditer(text)}


def image_requirements() -> list[Requirement]:
    """What the image installs: pyproject's runtime dependencies, the image's extras and
    the build backend."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    project = pyproject["project"]
    extras = image.IMAGE_EXTRAS.split(",")
    names = [*project["dependencies"], *pyproject["build-system"]["requires"]]
    names += [r for extra in extras for r in project["optional-dependencies"][extra]]
    return [Requirement(r) for r in names]


def test_every_dependency_of_the_image_is_pinned_within_pyprojects_range() -> None:
    locked = pins()
    for requirement in image_requirements():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is not in the lock: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"the lock pins {name}=={locked[name]}, outside {requirement}: run `make lock`"
        )
        # a dependency's extras bring their own packages: celery[redis] -> redis
        for extra in requirement.extras:
            assert extra in locked or f"{name}-{extra}" in locked, (requirement, extra)


def test_every_pin_has_hashes_and_the_image_extras_are_locked() -> None:
    text = image.LOCK.read_text()
    entries = re.split(r"\n(?=\S)", text.split("\n", 2)[2].strip())
    assert len(entries) == len(pins())
    for entry in entries:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]
    assert {"flower", "kubernetes", "setuptools", "wheel"} <= set(pins())


def test_the_dockerfile_installs_the_lock_with_hashes_and_wheels_only() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "COPY requirements/ requirements/" in dockerfile
    install = re.search(r"pip install [^\n]*\\\n[^\n]*-r requirements/image\.txt", dockerfile)
    assert install, "the Dockerfile does not install requirements/image.txt"
    assert "--require-hashes --only-binary=:all:" in install[0]
    assert "ARG PACKAGES=index" in dockerfile
    # the build context lets the lock and the services through, nothing of the host's
    ignore = (REPO / ".dockerignore").read_text().splitlines()
    for kept in ("!requirements/", "!pyproject.toml", "!README.md", "!services/"):
        assert kept in ignore


@pytest.mark.index
@pytest.mark.parametrize("machine", ["x86_64", "aarch64"], ids=["amd64", "arm64"])
def test_the_lock_resolves_to_wheels_for_the_image_on(machine: str, tmp_path: Path) -> None:
    # pip resolves every requirement's dependencies itself and, with --require-hashes,
    # refuses one the lock lacks; --only-binary as in the Dockerfile
    done = subprocess.run(
        [
            *[sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "download"],
            "--require-hashes",
            *image.download_args(machine),
            "--dest",
            str(tmp_path),
            "--requirement",
            str(image.LOCK),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    wheels = {canonicalize_name(w.name.split("-")[0]) for w in tmp_path.glob("*.whl")}
    assert set(pins()) - wheels <= {"async-timeout"}, set(pins()) - wheels
    for wheel in tmp_path.glob("*.whl"):
        tag = wheel.name.removesuffix(".whl").split("-")[-1]
        assert tag == "any" or machine in tag, wheel.name


@pytest.mark.index
def test_the_lock_is_what_make_lock_makes(tmp_path: Path) -> None:
    # given the lock as uv's starting point (uv keeps the pins it still may)
    output = tmp_path / "image.txt"
    output.write_text(image.LOCK.read_text())
    # when it is compiled again from pyproject
    lock.compile_lock(output)
    # then nothing changed: the lock holds exactly what pyproject asks for
    assert output.read_text() == image.LOCK.read_text(), "run `make lock`"
