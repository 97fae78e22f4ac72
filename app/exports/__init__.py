"""CSV exports as jobs: a list, a segment or a campaign's recipients, written to S3 by a worker."""
