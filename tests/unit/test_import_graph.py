"""The shape of the code: no import cycles, and imports that go one way.

Read from the source (every ``import``, lazy ones inside functions included), so a cycle
held together by an import inside a function fails here as surely as a top-level one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "services"
ROOTS = {"conveyor": SERVICES / "api", "conveyor_worker": SERVICES / "worker"}
# Apps built on the jobs domain; core and the jobs domain import none of them.
# djangotasks: Django's Tasks framework on conveyor (a TASKS backend over job_create).
FEATURE_APPS = ("ratelimits", "webhooks", "schedules", "queues", "djangotasks")
# The jobs app's HTTP side, which composes the features' views of a job.
JOBS_HTTP = {"apis", "serializers", "urls", "admin", "batch"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def sources() -> dict[str, Path]:
    found = {}
    for top, root in ROOTS.items():
        for path in (root / top).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path, root)] = path
    return found


def imported(name: str) -> Iterator[str]:
    """The project's modules that module ``name`` imports, anywhere in its body."""
    path = sources()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                prefix = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*prefix, base] if base else prefix)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target in sources():
                yield target


@cache
def graph() -> dict[str, set[str]]:
    return {name: set(imported(name)) - {name} for name in sources()}


def find_cycle() -> list[str] | None:
    """One import cycle among the project's modules, as a path that ends where it began."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(name: str) -> list[str] | None:
        path.append(name)
        on_path.add(name)
        for target in sorted(graph()[name]):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done:
                cycle = visit(target)
                if cycle:
                    return cycle
        on_path.discard(name)
        path.pop()
        done.add(name)
        return None

    for name in sorted(graph()):
        if name not in done:
            cycle = visit(name)
            if cycle:
                return cycle
    return None


def app_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if parts[0] == "conveyor" and len(parts) > 1 else parts[0]


def test_the_walk_sees_lazy_imports() -> None:
    # the worker's registry imports its handler modules by name, but the handlers import it
    assert "conveyor_worker.registry" in graph()["conveyor_worker.handlers.demo"]
    assert "conveyor.jobs.models" in graph()["conveyor.jobs.hooks"]


def test_no_module_imports_itself_through_others() -> None:
    assert find_cycle() is None


def test_the_api_side_imports_nothing_of_the_worker() -> None:
    wrong = {
        (name, target)
        for name, targets in graph().items()
        if name.startswith("conveyor.")
        for target in targets
        if target.startswith("conveyor_worker")
    }
    assert wrong == set()


def test_core_is_the_ground_floor() -> None:
    wrong = {
        (name, target)
        for name, targets in graph().items()
        if app_of(name) == "core"
        for target in targets
        if app_of(target) not in {"core", "config"}
    }
    assert wrong == set()


def test_the_jobs_domain_imports_no_feature_app() -> None:
    wrong = {
        (name, target)
        for name, targets in graph().items()
        if app_of(name) == "jobs" and name.rpartition(".")[2] not in JOBS_HTTP
        for target in targets
        if app_of(target) in FEATURE_APPS
    }
    assert wrong == set()


def test_feature_apps_import_no_app_built_on_them() -> None:
    # ratelimits and webhooks are built on jobs; jobs' domain never imports them (above),
    # and they import neither schedules nor queues, nor each other
    wrong = {
        (name, target)
        for name, targets in graph().items()
        if app_of(name) in {"ratelimits", "webhooks"}
        for target in targets
        if app_of(target) in set(FEATURE_APPS) - {app_of(name)}
    }
    assert wrong == set()


# Modules that Django, Celery, gunicorn or a command line load by convention or by path
# (a TASKS backend: a Django project's settings name it).
ENTRY_POINTS = (
    "apps",
    "admin",
    "urls",
    "wsgi",
    "asgi",
    "asgi_worker",
    "gunicorn",
    "__main__",
    "cli",
    "app",
    "backend",
    "rest_backend",
    "router",
)


def named_in_settings() -> set[str]:
    """The dotted paths the settings name (installed apps, DRF classes, hooks, modules)."""
    settings_dir = ROOTS["conveyor"] / "conveyor" / "config" / "settings"
    text = "\n".join(path.read_text() for path in settings_dir.rglob("*.py"))
    named = {name for name in sources() if f'"{name}' in text}
    # Django loads a database ENGINE's ``base`` module by its name.
    engines = {f"{name}.base" for name in named if f'["ENGINE"] = "{name}"' in text}
    return named | engines


def test_every_shipped_module_is_used_by_the_product() -> None:
    # a module only tests or tools import belongs in tests/ or tools/, not in the image
    imported = {target for targets in graph().values() for target in targets}
    settings = named_in_settings()
    unused = {
        name
        for name in sources()
        if name not in imported
        and sources()[name].name != "__init__.py"
        and name.rpartition(".")[2] not in ENTRY_POINTS
        and "management.commands" not in name
        and "config.settings" not in name
        and not any(named == name or named.startswith(f"{name}.") for named in settings)
    }
    assert unused == set()
