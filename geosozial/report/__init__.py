"""The batch: project file (TOML) -> all outputs."""
