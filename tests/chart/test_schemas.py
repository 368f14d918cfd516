"""The vendored schemas (tests/chart/schemas/) are the upstream files their README names."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

SCHEMAS = Path(__file__).parent / "schemas"


def listed_checksums() -> dict[str, str]:
    readme = (SCHEMAS / "README.md").read_text()
    return dict(
        (path, digest)
        for digest, path in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.MULTILINE)
    )


def test_every_vendored_schema_is_listed_with_its_checksum() -> None:
    # given the files next to the README and the checksums it lists
    present = {
        str(path.relative_to(SCHEMAS))
        for path in SCHEMAS.rglob("*")
        if path.is_file() and path.name != "README.md"
    }
    listed = listed_checksums()

    # then each file is listed, and unchanged since it was copied
    assert present, f"no schemas in {SCHEMAS}"
    assert present == set(listed)
    for path, digest in listed.items():
        assert hashlib.sha256((SCHEMAS / path).read_bytes()).hexdigest() == digest, path


def test_every_vendored_schema_has_its_source_in_the_readme() -> None:
    readme = (SCHEMAS / "README.md").read_text()
    for path in listed_checksums():
        assert f"| `{path}` |" in readme, f"{path} has no row (source, version) in the README"
