"""The review gallery: a static HTML page of every job, its script, state and video."""
