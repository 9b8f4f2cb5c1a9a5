"""The audit log: its port (`port.AuditAppender`), the hash chain (`chain`), its verifier
(`verify`) and the findings a verifier returns (`findings`). Imports only `fengkong.core`."""
