from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "conveyor.jobs"
    label = "jobs"

    def ready(self) -> None:
        """Load the job type specs as the process starts: a spec module that fails to load
        stops it at once, and every process of a deployment serves the list it started
        with, not one loaded at its first request."""
        from conveyor.jobs.types import all_job_types

        all_job_types()
