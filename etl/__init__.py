"""ETL for county spreadsheets: read, extract, validate (this package) and load into the store."""
