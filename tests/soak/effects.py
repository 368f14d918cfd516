"""Where the soak's handlers record their side effects: names of the environment variables
the soak sets for its workers. A module of its own, so the test process can name them
without importing the handlers, and with them the soak's job types (which would then be
registered, and served, by every API the test process renders)."""

EFFECTS_URL_ENV = "CONVEYOR_SOAK_EFFECTS_URL"
EFFECTS_KEY_ENV = "CONVEYOR_SOAK_EFFECTS_KEY"
