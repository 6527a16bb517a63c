"""Downloaded videos and footage: probing, post-render checks, file digests."""
