"""Team state backends: PostgreSQL keeps state, journal and leases for every runner."""
