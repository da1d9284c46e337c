"""Training of the POCE networks: dataset builder, completion / editing loops, CLI (needs torch)."""
