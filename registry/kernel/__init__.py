"""What every feature shares and no feature owns: the clock, domain errors, domain events (and the
outbox that carries them past the commit), and finding codes."""
