from typing import Literal

OnDependencyFailureEnum = Literal["cancel", "run"]

ON_DEPENDENCY_FAILURE_ENUM_VALUES: set[OnDependencyFailureEnum] = {
    "cancel",
    "run",
}


def check_on_dependency_failure_enum(value: str) -> OnDependencyFailureEnum:
    if value in ON_DEPENDENCY_FAILURE_ENUM_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {ON_DEPENDENCY_FAILURE_ENUM_VALUES!r}"
    )
