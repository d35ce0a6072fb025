"""The Pith protocol: canonical JSON, trust store, receipts, events, bundles, state.

Entry points (import the module you need; this package imports nothing, so
that ``pithtex check`` stays lean):

- ``pithtex.verify.document``: ``verify_document``, ``verify_json_bytes``, ``classify``;
- ``pithtex.verify.keys``: ``TrustStore.pinned()``, ``trust_store_from``, ``InvalidKey``;
- ``pithtex.verify.result``: ``VerificationResult``, ``Check`` (how status is derived);
- ``pithtex.verify.canonical``: ``load_signed_json``, ``canonical_json``, ``canonical_sha256``;
- ``records``, ``receipts``, ``events``, ``bundles``, ``state``: one document part each;
  ``checks``: the shared checks; ``ed25519_points``: why a public key is unsafe.
"""
