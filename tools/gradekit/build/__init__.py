"""The instructor's build: one percent-format source per lesson → starter module, release notebook, manifest."""
