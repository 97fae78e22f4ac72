"""S3: buckets and their notifications (`buckets`), CORS as S3 answers it (`cors`)."""
