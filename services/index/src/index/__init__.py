"""Internal package index: serves the simple repository API from a directory."""
