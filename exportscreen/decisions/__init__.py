"""What a hit means for a transaction: the list-meaning table, licence determination and
ownership rules."""
