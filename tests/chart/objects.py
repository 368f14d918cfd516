"""Finding objects and pods in a render of the chart (``tools.helm.render``)."""

from __future__ import annotations

from tools.helm import Obj


def find(objects: list[Obj], kind: str, name: str | None = None) -> list[Obj]:
    return [
        o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)
    ]


def pod_specs(objects: list[Obj]) -> list[tuple[Obj, Obj]]:
    """(owner, pod spec) for every pod the render would create, whatever its kind."""
    found = []
    for obj in objects:
        spec = obj.get("spec", {})
        if obj["kind"] == "Pod":
            found.append((obj, spec))
        elif obj["kind"] == "CronJob":
            found.append((obj, spec["jobTemplate"]["spec"]["template"]["spec"]))
        elif "template" in spec and "spec" in spec["template"]:
            found.append((obj, spec["template"]["spec"]))
    return found
