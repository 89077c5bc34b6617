"""The profile step: loading and validating a profile, sector and channel scope, known values, JSON Schemas."""
