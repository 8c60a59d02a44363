"""Feature flags from a JSON file and `PANTRY_FLAG_*` environment variables."""

from feature_flags.flags import ENV_PREFIX, Flag, FlagError, Flags

__all__ = ["ENV_PREFIX", "Flag", "FlagError", "Flags"]
