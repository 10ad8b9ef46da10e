"""Helpers for the project's own tests (executing release notebooks); never shipped to students."""
