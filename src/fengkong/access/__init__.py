"""Access control: people and channel keys, how they prove who they are, and the declared table
of what each role may do."""
