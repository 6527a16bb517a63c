"""Sign-off bound to each job's content: the committed approvals file and what it says of a job."""
