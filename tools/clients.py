"""clients/: the committed OpenAPI schema and the clients generated from it (``make clients``).

``python -m tools.clients`` writes ``clients/openapi.json`` (the schema the API serves, with
the default settings), then regenerates each client from it: the Python one with
openapi-python-client (installed into a venv of its own, ``$CLIENTGEN_VENV``), the
TypeScript one with openapi-typescript (``clients/typescript``'s devDependencies, ``npm
ci``). Each generated tree gets a ``SCHEMA_SHA256`` of the schema it was made from, so a
test tells when the schema moved on and the clients did not. ``--schema-only`` writes the
schema alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CLIENTS = REPO / "clients"
SCHEMA = CLIENTS / "openapi.json"
PYTHON_CLIENT = CLIENTS / "python"
PYTHON_GENERATED = PYTHON_CLIENT / "conveyor_client" / "generated"
TYPESCRIPT_CLIENT = CLIENTS / "typescript"
TYPESCRIPT_GENERATED = TYPESCRIPT_CLIENT / "src" / "generated"
STAMP = "SCHEMA_SHA256"
# The generator's version: a new one is a deliberate change of the committed code.
OPENAPI_PYTHON_CLIENT = "openapi-python-client==0.29.1"


def served_schema() -> dict[str, Any]:
    """The schema as the API serves it, validated (any warning is an error)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
    os.environ.setdefault("SECRET_KEY", "openapi-schema-only")
    # The integer ranges of model fields follow the database backend: state PostgreSQL's,
    # production's (nothing connects to it).
    os.environ["DATABASE_URL"] = "postgres://schema-only@127.0.0.1:5432/schema-only"
    import django
    from django.core.management import call_command

    django.setup()
    out = StringIO()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out
    )
    schema: dict[str, Any] = json.loads(out.getvalue())
    return schema


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def schema_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def generate_python(venv: Path) -> None:
    venv = venv.resolve()  # the generator runs in clients/python: a relative path breaks
    generator = venv / "bin" / "openapi-python-client"
    if not generator.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", OPENAPI_PYTHON_CLIENT], check=True
        )
    shutil.rmtree(PYTHON_GENERATED, ignore_errors=True)
    subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(SCHEMA),
            "--meta",
            "none",
            "--output-path",
            str(PYTHON_GENERATED),
            "--config",
            str(PYTHON_CLIENT / "generator.yaml"),
        ],
        check=True,
        cwd=PYTHON_CLIENT,
        # its post-hooks format the code with this checkout's ruff
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )


def generate_typescript() -> None:
    if not (TYPESCRIPT_CLIENT / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], check=True, cwd=TYPESCRIPT_CLIENT)
    TYPESCRIPT_GENERATED.mkdir(parents=True, exist_ok=True)
    # package.json's "generate": openapi-typescript, fields with a default left optional
    subprocess.run(["npm", "run", "--silent", "generate"], check=True, cwd=TYPESCRIPT_CLIENT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--schema-only", action="store_true")
    parser.add_argument(
        "--venv",
        type=Path,
        default=Path(os.environ.get("CLIENTGEN_VENV", REPO / ".venv" / "clientgen")),
        help="where openapi-python-client is installed (made if missing)",
    )
    args = parser.parse_args()
    text = schema_text(served_schema())
    SCHEMA.write_text(text)
    print(f"wrote {SCHEMA.relative_to(REPO)}")
    if args.schema_only:
        return 0
    generated = []
    if (PYTHON_CLIENT / "generator.yaml").exists():
        generate_python(args.venv)
        generated.append(PYTHON_GENERATED)
    if (TYPESCRIPT_CLIENT / "package.json").exists():
        generate_typescript()
        generated.append(TYPESCRIPT_GENERATED)
    for tree in generated:
        (tree / STAMP).write_text(schema_digest(text) + "\n")
        print(f"regenerated {tree.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
