"""Command-line tools: validate, schema, report, invoke and loadtest. Only `invoke` talks to AWS."""
