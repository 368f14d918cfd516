"""Django's Tasks framework (``django.tasks``, or the ``django-tasks`` backport on Django
5.2) on conveyor: a ``TASKS`` backend whose tasks run as ``django.task`` jobs
(docs/django.md)."""
