"""Django's PostgreSQL backend, its connection pool checking a connection it lends by
the connection's socket before an empty query (``checks``): the API's ``ENGINE`` when it
pools its connections (``DATABASE_POOL_MAX_SIZE``)."""
