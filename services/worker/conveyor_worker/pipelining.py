"""A bundle's outcomes sent without waiting: the next job starts while PostgreSQL commits.

A bundle runs its jobs one after another, and each outcome is a statement whose commit
waits for the WAL flush. Waiting for that answer before starting the next job left the
process idle for about a third of a no-op job's time (``docs/performance.md``). So a
job's success is sent on the process's connection without waiting (``core/inflight.py``),
the next job is made ready (its lease, its log fields, its params validated), and the
answer is read just before that job's handler runs: one outcome in the air at a time,
answers read in order, and the connection idle again whenever a handler, or anything
else, may use it (``bundles``).

What the promises need from it:

- A worker killed after the send loses nothing more than before: a sent statement is
  done whether or not its sender lives to read the answer (``core/inflight.py``). So, as
  before, only the job running when the worker died runs again.
- An answer that cannot be read (the connection broke) is not taken as a loss: the
  outcome is recorded again the usual way, with retries (``dbretry``). It is a
  compare-and-set, so if the first one did commit, the second changes nothing. Only if
  the database stays unreachable past those retries, or the worker dies while it is, may
  two jobs of a bundle run again (the one whose outcome was in the air and the next one)
  where waiting would have left one.

Used only where the outcome is one statement and the answer can wait: PostgreSQL,
outside a transaction (a test's), a success with no webhook and no spawns
(``attempts.send_success``), and tracing off (``inflight.available``: a run span ends
with its outcome, and each statement keeps its own span). ``CONVEYOR_BUNDLE_PIPELINE`` turns it off.
"""

from __future__ import annotations

from django.conf import settings

from conveyor.core import database, inflight


def wanted() -> bool:
    """Whether a bundle here sends its successes without waiting for their answers."""
    return bool(settings.CONVEYOR_BUNDLE_PIPELINE) and inflight.available(database.connection())
