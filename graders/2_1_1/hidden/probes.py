"""Probes for the hidden checks of lesson 2.1.1: none of their own; the public probes (`lesson_probes`) are found
too, and the hidden checks call them with other arguments (the GPU, a channels-last batch, a CPU-only machine)."""
