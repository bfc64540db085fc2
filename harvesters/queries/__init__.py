"""SPARQL queries shipped with the harvesters (read by the `sparql` kind via options.query_file)."""
