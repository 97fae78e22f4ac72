"""CSV imports into a list: presigned upload, streaming worker, progress and an error report."""
