"""One replication of a scenario: calendar, random streams, the model that runs it."""
