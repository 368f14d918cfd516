"""``make run``: the whole platform on this machine (``python -m conveyor.devserver``).

``datadir``    the files kept between runs: secret key, demo key, admin login, logs
``prepare``    migrate, static files, the demo API client and admin, the broker's queues
``supervise``  the listening socket and the child processes (api, worker, beat)
``client``     the launcher's HTTP calls to its own API
``demo``       the demo jobs, followed until they are final
``summary``    what it prints: the live table of jobs and the closing summary
``__main__``   the command line and the order of it all
"""
