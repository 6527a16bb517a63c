"""Facts about media files: probing downloaded videos and checking them before use."""
