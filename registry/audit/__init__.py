"""The append-only, hash-chained log of every state change, and its verification."""
