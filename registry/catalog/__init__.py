"""The permitted-item list: editions, diffs, history, and the reviewed files in rules/catalog/."""
