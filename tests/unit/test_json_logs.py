"""LOG_FORMAT=json: one JSON object per line, the running job's fields and the exception
as fields; an unknown format stops the process with what to set."""

from __future__ import annotations

import importlib
import io
import json
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from conveyor.core.logs import JobFieldsFilter, JsonFormatter, job_fields


@pytest.fixture
def captured() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(JobFieldsFilter())
    logger = logging.getLogger("tests.json_logs")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(row) for row in stream.getvalue().splitlines()]


def test_lines_logged_while_a_job_runs_carry_its_fields(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    # when
    logger.info("before")
    with job_fields(job_id="j-1", job_type="demo.noop", attempt=2, worker="w@host"):
        logger.info("during %s", "the run")
    logger.info("after")

    # then
    before, during, after = lines(stream)
    assert during["message"] == "during the run"
    assert during["level"] == "INFO"
    assert during["logger"] == "tests.json_logs"
    assert (during["job_id"], during["job_type"], during["attempt"], during["worker"]) == (
        "j-1",
        "demo.noop",
        2,
        "w@host",
    )
    assert "job_id" not in before
    assert "job_id" not in after


def test_an_exception_is_a_field_of_its_one_line(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    try:
        raise ValueError("broken\non two lines")
    except ValueError:
        logger.exception("it failed")

    (line,) = lines(stream)  # the traceback's newlines stay inside the JSON string
    assert line["message"] == "it failed"
    assert isinstance(line["exception"], str)
    assert "ValueError: broken" in line["exception"]
    assert "Traceback" in line["exception"]


def test_the_format_comes_from_log_format(monkeypatch: pytest.MonkeyPatch) -> None:
    from conveyor.config.settings.components import logging as component

    try:
        monkeypatch.setenv("LOG_FORMAT", "json")
        handler = importlib.reload(component).LOGGING["handlers"]["stderr"]
        assert handler["formatter"] == "json"
        monkeypatch.delenv("LOG_FORMAT")
        handler = importlib.reload(component).LOGGING["handlers"]["stderr"]
        assert handler["formatter"] == "text"
        monkeypatch.setenv("LOG_FORMAT", "xml")
        with pytest.raises(ImproperlyConfigured, match=r"LOG_FORMAT='xml'.*text, json"):
            importlib.reload(component)
    finally:
        monkeypatch.delenv("LOG_FORMAT", raising=False)
        importlib.reload(component)
