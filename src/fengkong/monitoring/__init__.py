"""Portfolio monitoring: daily snapshots of the loan book by segment (`snapshots`), computed by
pure rules (`facts`, `figures`) over the loans as end of day leaves them."""
