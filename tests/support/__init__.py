"""Test helpers shared across packages: stand-in servers, payload loaders."""
