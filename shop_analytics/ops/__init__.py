"""The pipeline's own records (``ops`` namespace): what each run did, for the dashboards."""
