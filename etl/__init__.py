"""ETL for county spreadsheets: read and extract figures, validate them, load them into the store."""
