"""Rate limits that hold across every worker process: per job type and per queue."""
