"""The Pith protocol: canonical JSON, trust store, receipts, events, bundles, state."""
