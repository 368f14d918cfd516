"""requirements/image.txt: the image's Python packages, locked (``make lock``).

The lock holds pyproject's runtime dependencies, the extras the pods need
(``tools.image.IMAGE_EXTRAS``) and the build backend (pyproject's ``build-system``, so the
image builds conveyor itself without an index), each pinned with the hashes of every
file PyPI has for it. It is resolved once for every platform (uv's universal mode), with
markers where a platform or Python differs, so a build on any host and for any CPU gets
the same versions. ``make lock`` updates it after a change of pyproject, keeping every pin
pyproject still allows; ``make lock-upgrade`` moves every pin to the newest version
allowed. The Dockerfile installs it with ``--require-hashes``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from tools.image import IMAGE_EXTRAS, LOCK, REPO

# The image's Python (Debian bookworm's and the official 3.11 images): the lowest one the
# lock must hold for; universal resolution covers the newer ones too.
PYTHON_VERSION = "3.11"


def build_requirements() -> list[str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    return list(pyproject["build-system"]["requires"])


def uv() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        raise SystemExit("uv is not installed: pip install -e '.[dev]'")
    return found


def compile_lock(output: Path = LOCK, *, upgrade: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        build_in = Path(tmp) / "build-system.in"
        build_in.write_text("\n".join(build_requirements()) + "\n")
        extras = [arg for extra in IMAGE_EXTRAS.split(",") for arg in ("--extra", extra)]
        subprocess.run(
            [
                uv(),
                "pip",
                "compile",
                "--quiet",
                "--universal",
                "--python-version",
                PYTHON_VERSION,
                "--generate-hashes",
                "--no-annotate",
                "--custom-compile-command",
                "make lock",
                *(["--upgrade"] if upgrade else []),
                *extras,
                "--output-file",
                str(output),
                "pyproject.toml",
                str(build_in),
            ],
            cwd=REPO,
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--upgrade", action="store_true", help="newest allowed versions, not the locked ones"
    )
    args = parser.parse_args()
    compile_lock(upgrade=args.upgrade)
    print(LOCK)


if __name__ == "__main__":
    main()
