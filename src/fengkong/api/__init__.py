"""HTTP shell: FastAPI routers, problem+json errors, metrics."""
