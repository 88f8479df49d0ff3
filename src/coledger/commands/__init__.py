"""The Ledger's commands, one module per family; Ledger composes them."""
