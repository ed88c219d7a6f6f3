"""Write actions on Lever by unified ids: one implementation behind the Python API, the CLI and the outbox."""
