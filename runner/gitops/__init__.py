"""Pieces for reviewing plans in pull requests: the comment body and the labels."""
