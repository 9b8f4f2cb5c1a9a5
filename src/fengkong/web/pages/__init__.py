"""The console's pages, one module per section; each route calls a use case and renders."""
