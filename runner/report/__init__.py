"""The review gallery: a static HTML page per campaign, playable from file://."""
