"""Progress: what each member really did, course completion and the learning record."""
