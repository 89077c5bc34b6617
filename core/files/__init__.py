"""Files: atomic output writes and located TOML reading."""
