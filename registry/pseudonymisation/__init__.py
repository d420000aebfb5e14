"""The pseudonymisation scope of genomic data: versioned rules from rules/pseudonymisation/ and a check."""
