"""The version of the output contract. Bump the minor for additive changes, the major for breaking ones."""

SCHEMA_VERSION = "1.2"
