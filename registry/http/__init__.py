"""What every endpoint shares: problem-details errors, query-parameter rules, pagination."""
